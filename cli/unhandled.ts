import type { Logger } from "../common/log.js";

// A promise rejected with nobody to handle it: logged (at most once a minute per message) instead
// of ending the process, which is Node's default and would take every room on it down.

const QUIET_MS = 60_000;

export function unhandledLogger(log: Logger): (reason: unknown) => void {
  const lastLogged = new Map<string, number>();
  return (reason) => {
    const message = reason instanceof Error ? reason.message : String(reason);
    const now = Date.now();
    if ((lastLogged.get(message) ?? -Infinity) > now - QUIET_MS) return;
    if (lastLogged.size > 100) lastLogged.clear();
    lastLogged.set(message, now);
    log.error("unhandled promise rejection; the process goes on (repeats of it are not logged for 60 s)", {
      error: message,
      stack: reason instanceof Error ? reason.stack : undefined,
    });
  };
}
