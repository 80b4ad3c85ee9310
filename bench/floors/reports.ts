import { fork } from "node:child_process";
import { once } from "node:events";
import http2 from "node:http2";
import { resolve } from "node:path";
import { BUILT_CLI } from "../../testkit/cluster.js";
import { askCount, childMessage, stopChild } from "../lib/child-message.js";
import { clockTicks, cpuSeconds, readStat } from "../lib/proc.js";
import type { Progress } from "../lib/progress.js";
import { sleep } from "../lib/run-control.js";

// One floor run: a bare server of one kind (report-server.ts) in a child process, `servers` HTTP/2
// connections from this process, one stream each, each sending a report-sized message every
// interval (their first spread over one interval, as servers that started one after another) and
// reading its answer. The child's CPU over the measured window per report it answered is the
// figure: what one report cannot cost a Manager less than, on this machine, on that transport.

const SERVER = resolve(BUILT_CLI, "..", "..", "bench", "floors", "report-server.js");
/** A LoadReport of a busy server is about 20 bytes; with gRPC's framing, 25. */
const REPORT = (() => {
  const b = Buffer.alloc(5 + 20, 0x2a);
  b[0] = 0;
  b.writeUInt32BE(20, 1);
  return b;
})();
const CONNECT_CONCURRENCY = 64;

export type ReportTransport = "grpc-js" | "http2";

export interface ReportFloorOptions {
  servers: number;
  intervalMs: number;
  seconds: number;
}

export interface ReportFloor {
  kind: ReportTransport;
  /** Reports the server answered in the window, per second. */
  perSecond: number;
  /** The server's CPU over the window, as a share of one core, and per report (all, and the kernel's part). */
  serverCores: number;
  usPerReport: number;
  sysUsPerReport: number;
  /** Answers this process read back, as a share of the reports sent in the window. */
  answered: number;
  /** This process's CPU meanwhile (it drives every connection), as a share of one core. */
  clientCores: number;
}

export async function runReportFloor(
  kind: ReportTransport,
  o: ReportFloorOptions,
  progress: Progress,
  signal: AbortSignal,
): Promise<ReportFloor> {
  const child = fork(SERVER, [kind], { stdio: "inherit" });
  const sessions: http2.ClientHttp2Session[] = [];
  const timers: NodeJS.Timeout[] = [];
  let sent = 0;
  let answers = 0;
  try {
    const { port } = await childMessage<{ port: number }>(child, "port");
    progress.note(`${kind}: ${o.servers} connections, a report each every ${o.intervalMs} ms`);
    for (let i = 0; i < o.servers && !signal.aborted; i += CONNECT_CONCURRENCY) {
      const batch = Array.from({ length: Math.min(CONNECT_CONCURRENCY, o.servers - i) }, async () => {
        const session = http2.connect(`http://127.0.0.1:${port}`);
        sessions.push(session);
        session.on("error", () => {});
        await once(session, "connect");
        const stream = session.request({
          ":method": "POST",
          ":path": "/floor.v1.Floor/Attach",
          "content-type": "application/grpc",
          te: "trailers",
        });
        stream.on("data", () => answers++);
        stream.on("error", () => {});
        const send = () => {
          sent++;
          stream.write(REPORT);
        };
        timers.push(setTimeout(() => timers.push(setInterval(send, o.intervalMs)), Math.random() * o.intervalMs));
      });
      await Promise.all(batch);
    }
    // Every connection's timer running before the window opens.
    await sleep(o.intervalMs + 500, signal);
    const a = readStat(child.pid!);
    const r0 = (await askCount(child, "reports")).reports;
    const [sent0, answers0, client0] = [sent, answers, cpuSeconds(process.pid)];
    const t0 = performance.now();
    progress.begin(`${kind} reports`, Math.round((o.servers * o.seconds * 1000) / o.intervalMs), () => ({
      done: answers - answers0,
      errors: 0,
    }));
    await sleep(o.seconds * 1000, signal);
    const b = readStat(child.pid!);
    const r1 = (await askCount(child, "reports")).reports;
    const [sent1, answers1, client1] = [sent, answers, cpuSeconds(process.pid)];
    const s = (performance.now() - t0) / 1000;
    progress.end();
    const got = r1 - r0;
    if (!a || !b || got === 0) throw new Error(`${kind}: no CPU figures or no reports (is /proc readable?)`);
    const cpu = (ticks: number) => ticks / clockTicks();
    return {
      kind,
      perSecond: got / s,
      serverCores: cpu(b.cpuTicks - a.cpuTicks) / s,
      usPerReport: (cpu(b.cpuTicks - a.cpuTicks) * 1e6) / got,
      sysUsPerReport: (cpu(b.sysTicks - a.sysTicks) * 1e6) / got,
      answered: (answers1 - answers0) / Math.max(1, sent1 - sent0),
      clientCores: client0 !== undefined && client1 !== undefined ? (client1 - client0) / s : Number.NaN,
    };
  } finally {
    for (const t of timers) clearTimeout(t);
    for (const session of sessions) session.destroy();
    await stopChild(child);
  }
}
