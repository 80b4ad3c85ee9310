import type { ClusterEvent } from "../../../gen/roomgate/v1/gateway_pb.js";
import { type ClusterEvents, type ManagerBus, listen } from "../channels.js";
import type { Leases } from "../leases.js";

// The memory store's channels (in-process listeners) and leases (timed with the caller's clock).

export class MemoryChannels implements ClusterEvents, ManagerBus {
  private readonly listeners = new Set<(e: ClusterEvent) => void>();
  private readonly busListeners = new Set<(m: Uint8Array) => void>();

  async publishEvent(event: ClusterEvent) {
    for (const l of this.listeners) l(event);
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
