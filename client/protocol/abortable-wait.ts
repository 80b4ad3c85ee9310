// The one wait that a retry or pacing loop may cut short: for the SDK's reconnects and the
// Gateway's cluster watch, which both stop waiting the moment their work is cancelled.

/** Resolves after ms, on abort, or when the waker handed to `register` is called. */
export function abortableWait(signal: AbortSignal, ms: number, register?: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
    register?.(done);
  });
}
