// Named leases: work that one process at a time may do.

export interface Leases {
  /**
   * Takes the named lease for ttlMs, or renews it when `owner` already holds it; false while
   * another owner holds it. Work that one process at a time may do (the autoscaler) runs while
   * its lease is held. ttlMs 0 gives the lease up, if `owner` holds it (and returns false).
   * Redis times the lease with its own clock; the memory store with nowMs.
   */
  acquireLease(l: { name: string; owner: string; nowMs: number; ttlMs: number }): Promise<boolean>;
}
