/// <reference path="./cluster-key-slot.d.ts" />
import calculateSlot from "cluster-key-slot";

/** The Redis Cluster hash slot of a key (its hash tag's, when it has one), as ioredis routes it. */
export function slotOf(key: string): number {
  return calculateSlot(key);
}
