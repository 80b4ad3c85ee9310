import type { ClusterEvent } from "../../../gen/roomgate/v1/gateway_pb.js";
import { type ClusterEvents, type ManagerBus, listen } from "../channels.js";
import { DEFAULT_EVENT_HISTORY, type EventHistoryLimits, stillRecent } from "../event-history.js";
import type { Leases } from "../leases.js";

// The memory store's channels (in-process listeners, the event history in an array) and leases
// (timed with the caller's clock).

export class MemoryChannels implements ClusterEvents, ManagerBus {
  private readonly listeners = new Set<(e: ClusterEvent) => void>();
  private readonly busListeners = new Set<(m: Uint8Array) => void>();
  /** Newest first, at most maxEvents; age is checked when read. */
  private history: ClusterEvent[] = [];

  constructor(private readonly historyLimits: EventHistoryLimits = DEFAULT_EVENT_HISTORY) {}

  async publishEvent(event: ClusterEvent) {
    if (this.historyLimits.maxEvents > 0) {
      this.history.unshift(event);
      if (this.history.length > this.historyLimits.maxEvents) this.history.length = this.historyLimits.maxEvents;
    }
    for (const l of this.listeners) l(event);
  }

  async recentEvents(nowMs = Date.now()) {
    return stillRecent(this.history, nowMs, this.historyLimits);
  }

  async subscribeEvents(listener: (e: ClusterEvent) => void) {
    return listen(this.listeners, listener);
  }

  async publishBus(message: Uint8Array) {
    // Delivered on a later tick, as Redis would, so no caller sees its own message re-entrantly.
    void Promise.resolve().then(() => {
      for (const l of this.busListeners) l(message);
    });
  }

  async subscribeBus(listener: (m: Uint8Array) => void) {
    return listen(this.busListeners, listener);
  }

  close() {
    this.history = [];
    this.listeners.clear();
    this.busListeners.clear();
  }
}

export class MemoryLeases implements Leases {
  private readonly leases = new Map<string, { owner: string; untilMs: number }>();

  async acquireLease({ name, owner, nowMs, ttlMs }: { name: string; owner: string; nowMs: number; ttlMs: number }) {
    const held = this.leases.get(name);
    if (held && held.owner !== owner && held.untilMs > nowMs) return false;
    if (ttlMs <= 0) {
      if (held?.owner === owner) this.leases.delete(name);
      return false;
    }
    this.leases.set(name, { owner, untilMs: nowMs + ttlMs });
    return true;
  }
}
