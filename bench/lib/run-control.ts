import { execFileSync } from "node:child_process";
import { setMaxListeners } from "node:events";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, resolve } from "node:path";
import { BUILT_CLI } from "../../testkit/cluster.js";

// What every benchmark entry point does the same way: where results go, what machine and commit
// they came from, how Ctrl-C or the time budget stops a run, and how the process exits.

export const RESULTS_DIR = resolve(dirname(BUILT_CLI), "..", "..", "bench", "results");

export function git(args: string[]): string | undefined {
  try {
    return execFileSync("git", args, {
      cwd: dirname(RESULTS_DIR),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

export function machine() {
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadavgStart: loadavg(),
    commit: git(["rev-parse", "--short", "HEAD"]),
  };
}

/**
 * Ctrl-C and the overall budget stop a run the same way: the current phase reports what it has,
 * later phases are skipped, and what the run started is still taken down.
 */
export function stopController(budgetMs: number): { stop: AbortController; release(): void } {
  const stop = new AbortController();
  // Every operation in flight listens to it (50 clients setting up rooms at once, say).
  setMaxListeners(0, stop.signal);
  const onSignal = (sig: NodeJS.Signals) => stop.abort(new Error(`interrupted by ${sig}`));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const budget = setTimeout(() => stop.abort(new Error(`time budget of ${budgetMs / 1000} s spent`)), budgetMs);
  budget.unref();
  return {
    stop,
    release() {
      clearTimeout(budget);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** Resolves after ms, or at once when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Runs an entry point and exits with its code; a throw is exit code 1 with the stack on stderr. */
export function runMain(name: string, main: () => Promise<number>) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`${name} failed: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
