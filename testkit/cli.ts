import { spawn } from "node:child_process";
import { BUILT_CLI } from "./cluster.js";

// One command of the built CLI, run as an operator types it (`roomgate drain <id>`).

/** Runs `roomgate ...args` to its end: the exit code and everything it printed, stdout and stderr. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const cli = spawn(process.execPath, [BUILT_CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  cli.stdout.on("data", (b) => (out += b));
  cli.stderr.on("data", (b) => (out += b));
  // "close", not "exit": the output is complete only once both pipes have closed.
  const code = await new Promise<number | null>((r) => cli.once("close", r));
  return { code, out };
}
