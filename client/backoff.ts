// Reconnect delays: exponential, capped, with jitter so that the players of a room that lost its
// server do not all hit the Gateway in the same instant.

export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

/** The ceiling before jitter for the given attempt (0-based): initial * 2^attempt, capped. */
export function backoffCeiling(attempt: number, o: BackoffOptions): number {
  return Math.min(o.maxDelayMs, o.initialDelayMs * 2 ** Math.max(0, attempt));
}

/**
 * "Equal jitter": half the ceiling for sure, the other half random. Keeps a floor (so retries
 * never bunch up at zero) and never exceeds maxDelayMs.
 */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = backoffCeiling(attempt, o);
  return ceiling / 2 + random() * (ceiling / 2);
}
