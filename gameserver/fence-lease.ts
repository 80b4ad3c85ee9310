// The game server's fencing lease (docs/protocol.md, Fencing). A Manager answers a report (or a
// registration) only once the store recorded it, and the store then keeps this server alive until
// at least the report's send time plus the death deadline. The lease runs fence_ms (shorter than
// that deadline) from the send time of the newest answered report: past it, some Manager may soon
// declare this server dead and move its rooms, so the server stops them first.
//
// Times are monotonic (performance.now() in production): a wall clock stepped back would stretch
// the lease past the deadline.

/** What the link should do now, by how much of the lease is left. */
export type LeaseAction = "ok" | "renew" | "abandon" | "fence";

export interface FenceLeaseOptions {
  /**
   * How long answers that say the store is down (ReportAnswer.store_down) keep extending the
   * lease, counted from the first of a run of them: while the store is down for every Manager,
   * nobody can declare anyone dead, so rooms run on; past this, they are fenced anyway.
   */
  storeOutageGraceMs: number;
  now: () => number;
}

export class FenceLease {
  /** The lease from the Manager's Registered.fence_ms; 0: fencing off. */
  private fenceMs = 0;
  private until = Number.NEGATIVE_INFINITY;
  /** Send times of the reports (and the registration, 0) of the current stream not yet answered. */
  private readonly sentAt = new Map<number, number>();
  /** Send time of the first report of the current run of store-down answers. */
  private storeDownSince?: number;
  /** When the last renewal went out, and when the last answer came (either: -Infinity for none). */
  private renewedAt = Number.NEGATIVE_INFINITY;
  private answeredAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: FenceLeaseOptions) {}

  /** Whether fencing is on (the Manager said fence_ms > 0) and a lease is held. */
  get held(): boolean {
    return this.fenceMs > 0 && this.until > Number.NEGATIVE_INFINITY;
  }

  /** Until when (on the `now` clock) the rooms may run; -Infinity before the first lease. */
  get leaseUntil(): number {
    return this.until;
  }

  /** A new stream: its registration (sequence 0) goes out now; answers of the old one count no more. */
  registering() {
    this.sentAt.clear();
    this.sent(0);
    this.renewing();
  }

  /** Report `sequence` of the current stream goes out now. */
  sent(sequence: number) {
    // Reports the Manager never answers (a stream cut off) stay bounded: the oldest go first.
    if (this.sentAt.size >= 1024) this.sentAt.delete(this.sentAt.keys().next().value!);
    this.sentAt.set(sequence, this.o.now());
  }

  /** A renewing report went out now (it is also `sent`). */
  renewing() {
    this.renewedAt = this.o.now();
  }

  /** The Manager recorded the registration: fencing is on with this lease (0: off). */
  registered(fenceMs: number) {
    this.fenceMs = fenceMs;
    if (fenceMs <= 0) this.until = Number.NEGATIVE_INFINITY;
    return this.answered(0, false);
  }

  /**
   * The Manager answered report `sequence` (0: the registration): the lease runs fence_ms from its
   * send time, or, when the store was down, no further than the outage grace allows. Returns
   * whether the answer named a report of this stream.
   */
  answered(sequence: number, storeDown: boolean): boolean {
    const at = this.sentAt.get(sequence);
    if (at === undefined) return false;
    // Earlier reports are answered in order before this one, or never: either way, done.
    for (const s of this.sentAt.keys()) if (s < sequence) this.sentAt.delete(s);
    this.sentAt.delete(sequence);
    this.answeredAt = this.o.now();
    if (this.fenceMs <= 0) return true;
    let until = at + this.fenceMs;
    if (storeDown) {
      this.storeDownSince ??= at;
      until = Math.min(until, this.storeDownSince + this.o.storeOutageGraceMs);
    } else {
      this.storeDownSince = undefined;
    }
    this.until = Math.max(this.until, until);
    return true;
  }

  /**
   * Every Manager this server knows refused a connection in a round of probes that began at `at`:
   * their processes are gone (a crashed Manager is not a partition). A Manager that may declare
   * this server dead later started after `at`, and declares nobody dead for the death deadline plus
   * one lease after it starts (failover.ts, its calm): the lease runs two leases from `at`.
   */
  allRefused(at: number) {
    if (this.fenceMs <= 0 || !this.held) return;
    this.until = Math.max(this.until, at + 2 * this.fenceMs);
  }

  /** Whether the lease ran out (a registration answered too late to hold it, say). */
  get expired(): boolean {
    return this.held && this.until <= this.o.now();
  }

  /** A renewal, or the registration, still waits for its answer. */
  get waiting(): boolean {
    return this.renewedAt > this.answeredAt;
  }

  /** In a run of store-down answers (none recorded since the first of them). */
  get storeDown(): boolean {
    return this.storeDownSince !== undefined;
  }

  /**
   * What to do now: renew when less than half the lease is left (once per answer); abandon this
   * stream for another Manager when less than a quarter is left and the renewal got no answer, or
   * a report went unanswered for a quarter of the lease; fence when it has run out.
   */
  check(): LeaseAction {
    if (!this.held) return "ok";
    const left = this.until - this.o.now();
    if (left <= 0) return "fence";
    if (left < this.fenceMs / 4 && this.waiting) return "abandon";
    // A report unanswered for a quarter lease: this Manager is cut off (from us or its store).
    // Leaving now, not at a quarter left, gives the next Manager more of the lease to answer in.
    const oldest = this.sentAt.values().next().value;
    if (oldest !== undefined && this.o.now() - oldest > this.fenceMs / 4) return "abandon";
    if (left < this.fenceMs / 2 && !this.waiting) return "renew";
    return "ok";
  }

  /** The rooms were fenced: no lease until the next registration's answer. */
  lost() {
    this.until = Number.NEGATIVE_INFINITY;
    this.storeDownSince = undefined;
  }

  /** How often the link should look (check()): an eighth of the lease, so a quarter is noticed in time. */
  get checkEveryMs(): number {
    return this.fenceMs > 0 ? Math.max(5, Math.floor(this.fenceMs / 8)) : 0;
  }
}
