import type { Logger } from "./log.js";

/**
 * On SIGTERM or SIGINT runs `stop` once, then exits; if stopping takes longer than timeoutMs the
 * process exits anyway, so an orchestrator's kill never has to escalate. Returns a function that
 * starts the very same shutdown from inside (a game server told to drain by its Manager).
 */
export function onShutdownSignal(log: Logger, timeoutMs: number, stop: () => Promise<void>): (why: string) => void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    const timer = setTimeout(() => {
      log.warn("shutdown timed out; exiting", { timeoutMs });
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (e) => {
        log.error("shutdown failed", { error: String(e) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
  return handler;
}
