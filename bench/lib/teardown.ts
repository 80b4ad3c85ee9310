import { livingChildren } from "./proc.js";

// Everything the run starts registers how to stop it here; teardown runs in reverse order, each
// step bounded in time and isolated from the others, so one stuck component cannot leave the
// rest running.

const STEP_LIMIT_MS = 30_000;

export class Teardown {
  private readonly steps: { name: string; run: () => Promise<unknown> | unknown }[] = [];

  add(name: string, run: () => Promise<unknown> | unknown) {
    this.steps.push({ name, run });
  }

  /** Returns the problems met; never throws, since it runs in finally blocks. */
  async run(log: (msg: string) => void): Promise<string[]> {
    const problems: string[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(step.run),
          new Promise(
            (_, reject) =>
              (timer = setTimeout(() => reject(new Error(`did not finish within ${STEP_LIMIT_MS} ms`)), STEP_LIMIT_MS)),
          ),
        ]);
      } catch (e) {
        const msg = `teardown: ${step.name}: ${(e as Error).message}`;
        problems.push(msg);
        log(msg);
      } finally {
        clearTimeout(timer);
      }
    }
    return problems;
  }
}

/** SIGKILLs the given children (only ours, by pid); the last resort after orderly stops. */
function killChildren(pids: number[]): number {
  let killed = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
      killed++;
    } catch {
      // Already gone between listing and killing.
    }
  }
  return killed;
}

/**
 * Runs the teardown, then kills any child still alive but those in `spare` (children that were
 * there before the run began, as a test runner's Redis is); returns the problems met.
 */
export async function shutdown(
  teardown: Teardown,
  log: (msg: string) => void,
  spare: readonly number[] = [],
): Promise<string[]> {
  const problems = await teardown.run(log);
  const strays = livingChildren().filter((pid) => !spare.includes(pid));
  if (strays.length > 0)
    problems.push(`killed ${killChildren(strays)} child process(es) still alive after shutdown: ${strays.join(", ")}`);
  return problems;
}
