// The one backoff formula for every retry loop in roomgate: the SDK's reconnects, the dashboard's
// feed, a game server's Manager stream, the Redis client. Exponential and capped, with jitter so
// that a fleet which lost the same peer does not come back in the same instant. Each caller keeps
// its own schedule (a Backoff) as data beside its retry loop.

export interface Backoff {
  /** The ceiling for the first retry (attempt 0); it doubles with each next attempt. */
  initialDelayMs: number;
  /** No ceiling is higher. */
  maxDelayMs: number;
  /**
   * The random share of each delay, 0 to 1. 0.5 ("equal jitter") waits between half the ceiling
   * and all of it: a floor, so that retries never bunch up at zero, and never past maxDelayMs.
   */
  jitter: number;
}

/** The ceiling before jitter for the given attempt (0-based): initial * 2^attempt, capped. */
export function backoffCeiling(attempt: number, b: Backoff): number {
  return Math.min(b.maxDelayMs, b.initialDelayMs * 2 ** Math.max(0, attempt));
}

/** How long to wait before retry number `attempt` (0-based): within [ceiling * (1 - jitter), ceiling]. */
export function backoffDelay(attempt: number, b: Backoff, random: () => number = Math.random): number {
  const ceiling = backoffCeiling(attempt, b);
  return ceiling * (1 - b.jitter) + random() * (ceiling * b.jitter);
}
