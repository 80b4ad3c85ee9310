import type { ClusterEvent } from "../../gen/roomgate/v1/gateway_pb.js";

// The two pub/sub channels every process shares. They deliver at most once, to the subscribers
// present when a message is published; the events channel also keeps its recent past.

export interface ClusterEvents {
  /**
   * Tells every current subscriber, in any process, what happened (for dashboards and wake-ups),
   * and keeps it in the history (the store's EventHistoryLimits bound it).
   */
  publishEvent(event: ClusterEvent): Promise<void>;
  /** Resolves once subscribed; the returned function unsubscribes. */
  subscribeEvents(listener: (event: ClusterEvent) => void): Promise<() => void>;
  /** The history: events published within maxAgeMs of nowMs (default now), at most maxEvents, oldest first. */
  recentEvents(nowMs?: number): Promise<ClusterEvent[]>;
}

export interface ManagerBus {
  /**
   * The Managers' own channel (commands for game servers, acknowledgements). At most once, and in
   * no promised order: on a Redis Cluster each PUBLISH goes to any node, which passes it on.
   */
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
