import type { ClusterEvent } from "../../gen/roomgate/v1/gateway_pb.js";

// The two pub/sub channels every process shares. They deliver at most once, to the subscribers
// present when a message is published.

export interface ClusterEvents {
  /** Tells every current subscriber, in any process, what happened. For dashboards and wake-ups. */
  publishEvent(event: ClusterEvent): Promise<void>;
  /** Resolves once subscribed; the returned function unsubscribes. */
  subscribeEvents(listener: (event: ClusterEvent) => void): Promise<() => void>;
}

export interface ManagerBus {
  /** The Managers' own channel (commands for game servers, acknowledgements). */
  publishBus(message: Uint8Array): Promise<void>;
  subscribeBus(listener: (message: Uint8Array) => void): Promise<() => void>;
}

/** Adds the listener; the returned function removes it. */
export function listen<T>(listeners: Set<(m: T) => void>, listener: (m: T) => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
