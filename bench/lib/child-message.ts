import type { ChildProcess } from "node:child_process";
import { once } from "node:events";

// A benchmark's helper processes (floor servers) talk over IPC: they announce what they are ready
// with, answer `{ count: true }` with their counter, and exit on `{ stop: true }`.

/** The child's first message with `key`; rejects if the child exits first. */
export function childMessage<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (!(key in m)) return;
      child.off("exit", onExit);
      child.off("message", onMessage);
      resolvePromise(m as T);
    };
    const onExit = (code: number | null) => reject(new Error(`floor server exited (${code}) before '${key}'`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

/** Asks the child for its counter, which it answers under `key`. */
export function askCount<K extends string>(child: ChildProcess, key: K): Promise<Record<K, number>> {
  const answer = childMessage<Record<K, number>>(child, key);
  child.send({ count: true });
  return answer;
}

/** Tells the child to stop (if it still listens) and resolves once it has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.connected) child.send({ stop: true });
  if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
}
