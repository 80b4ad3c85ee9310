import type { ChildProcess } from "node:child_process";
import type { Socket } from "node:net";

type Stoppable = { stop(): Promise<void> };

export default async function globalTeardown() {
  const g = globalThis as { __ROOMGATE_REDIS__?: Stoppable; __ROOMGATE_REDIS_CLUSTER__?: Stoppable };
  await Promise.all([g.__ROOMGATE_REDIS__?.stop(), g.__ROOMGATE_REDIS_CLUSTER__?.stop()]);
  nameWhatOutlivesTheRun();
}

/** How long after the run what is still open gets named: past jest's own one-second warning. */
const LINGER_MS = 1500;

// Jest only says it "did not exit one second after the test run"; this says what it waits for.
// The timer is unref'd: it fires only if something else still holds the process.
function nameWhatOutlivesTheRun() {
  setTimeout(() => {
    const stdio = new Set<unknown>([process.stdin, process.stdout, process.stderr]);
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
    const named = handles.filter((h) => !stdio.has(h)).map(describe);
    console.error(
      `still open ${LINGER_MS} ms after the test run: ${process.getActiveResourcesInfo().join(", ")}` +
        (named.length ? `\n  ${named.join("\n  ")}` : ""),
    );
  }, LINGER_MS).unref();
}

function describe(h: unknown): string {
  const child = h as Partial<ChildProcess>;
  if (child.spawnargs) return `child process ${child.pid}: ${child.spawnargs.join(" ")}`;
  const socket = h as Partial<Socket>;
  if (socket.remotePort !== undefined || socket.localPort !== undefined)
    return `socket ${socket.localAddress}:${socket.localPort} -> ${socket.remoteAddress}:${socket.remotePort}`;
  return (h as object)?.constructor?.name ?? typeof h;
}
