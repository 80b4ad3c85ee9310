import { RedisKeys } from "../redis/keys.js";

// Where cells keep their keys on a Redis Cluster. Every key of cell N carries the hash tag {cN}, so
// each cell's scripts run on one node while the cells spread over all masters. The map of cells
// (which server is in which cell, each cell's region) carries its own tag; events, the bus,
// leases, spent tokens and allocation claims have plain keys (one key per call, any node).

/** The keys of one cell: the single-Redis layout under a prefix that carries the cell's tag. */
export function cellKeys(prefix: string, cell: number): RedisKeys {
  return new RedisKeys(`${prefix}{c${cell}}:`);
}

export class CellMapKeys {
  constructor(private readonly prefix: string) {}

  /** hash: server id -> its cell */
  get serverCells() {
    return `${this.prefix}{cells}:of`;
  }
  /** hash: cell -> its region */
  get regions() {
    return `${this.prefix}{cells}:region`;
  }
  /** hash: cell -> servers in it */
  get sizes() {
    return `${this.prefix}{cells}:size`;
  }
  /** string: the last epoch given to any server of any cell */
  get epoch() {
    return `${this.prefix}{cells}:epoch`;
  }
  /** string: the cell an allocation of this (Gateway-made) room id runs in, while it may be retried (no tag: any node) */
  allocation(roomId: string) {
    return `${this.prefix}claim:rid:${roomId}`;
  }
  /** string: the cell of an idempotent CreateRoom's request id (no tag: any node) */
  request(requestId: string) {
    return `${this.prefix}claim:idem:${requestId}`;
  }
}
