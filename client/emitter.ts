// A typed event emitter small enough to ship to browsers (node:events is not there).

type Listeners<T> = { [K in keyof T]: (...args: never[]) => void };

export class Emitter<Events extends Listeners<Events>> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /** Returns the function that unsubscribes this listener. */
  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    // A copy, so listeners may unsubscribe (or subscribe) while we call them.
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (e) {
        // One faulty listener must neither stop the others nor break the connection logic that
        // emitted; it still surfaces as an uncaught error rather than vanishing.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}
