import { slotOf } from "./slot.js";
import type { Cluster } from "ioredis";
import type { Logger } from "../../log.js";

// Redis Cluster replicates asynchronously: a master killed a millisecond after a write may take
// that write with it when its replica is promoted. A room a client has been handed must survive
// that, so before the store answers, the write is confirmed on the cell master's replicas with
// WAIT (over the same connection that wrote it, which is what WAIT counts). WAIT holds that
// connection until the replicas answer or the timeout passes: when a master's replicas do not
// answer in time, its writes stop waiting for a while rather than each paying the timeout.

export interface ReplicationOptions {
  /** Replicas that must have a room's write before the store answers; 0 turns waiting off. */
  replicas: number;
  /** Longest a write waits for them. */
  timeoutMs: number;
  /** How long a master whose replicas fell behind is not waited for. */
  backoffMs?: number;
  log?: Logger;
}

export class Replication {
  private readonly skipUntil = new Map<string, number>();

  constructor(
    private readonly redis: Cluster,
    private readonly o: ReplicationOptions,
  ) {}

  /** Resolves once the write to `key` (already acknowledged by its master) is on enough replicas, or it gave up. */
  async confirm(key: string): Promise<void> {
    if (this.o.replicas <= 0) return;
    const owner = this.redis.slots[slotOf(key)]?.[0];
    if (!owner || (this.skipUntil.get(owner) ?? 0) > performance.now()) return;
    const node = this.redis.nodes("master").find((n) => `${n.options.host}:${n.options.port}` === owner);
    if (!node) return;
    const acked = Number(await node.call("WAIT", this.o.replicas, this.o.timeoutMs));
    if (acked >= this.o.replicas) return;
    this.skipUntil.set(owner, performance.now() + (this.o.backoffMs ?? 5000));
    this.o.log?.warn("Redis Cluster replicas fell behind; rooms on this master may not survive its death", {
      master: owner,
      acked,
      wanted: this.o.replicas,
    });
  }
}
