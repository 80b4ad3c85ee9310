import type { ChildProcess } from "node:child_process";

// A benchmark's helper processes (floor servers) answer over IPC: the first message holding `key`.

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
