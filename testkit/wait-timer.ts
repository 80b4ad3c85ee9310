/**
 * The timer that bounds a test's wait. Unref'd: a wait nobody settles any more (the losers of a
 * Promise.any over several Managers, a wait on a process that exited) must not hold jest's
 * process open after the run for the rest of its timeout.
 */
export function waitTimer(onTimeout: () => void, timeoutMs: number): NodeJS.Timeout {
  return setTimeout(onTimeout, timeoutMs).unref();
}
