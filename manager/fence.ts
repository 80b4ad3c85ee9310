// The fencing lease a Manager tells its game servers (docs/protocol.md, Fencing): the death
// deadline less FENCE_MARGIN_MS, the margin never over a sixth of the deadline. A server that no
// Manager confirms for this long stops its rooms; the Managers' rules for declaring it dead
// (streams.ts writes the deadline, failover.ts waits it out, and one lease more after it starts)
// keep that stop ahead of any move.

/**
 * A sixth of the deadline: with the default 3 missed reports, a server that reports every interval
 * holds two and a half intervals of lease, so it renews (half the lease left) only when an answer
 * is a quarter interval late, and leaves its Manager (a quarter left) only when a renewal goes
 * unanswered for more than half an interval.
 */
const MAX_MARGIN_SHARE = 1 / 6;

/**
 * The shortest lease worth holding. A server renews with half its lease left and leaves its Manager
 * with a quarter left: under a second, a busy host's late answers (a few hundred milliseconds while
 * rooms move) would make healthy servers leave their Managers and fence, and the churn costs more
 * than the partition it guards against. Servers with such short deadlines (report intervals of a
 * few hundred milliseconds, as in tests) run without fencing.
 */
export const MIN_FENCE_MS = 1000;

/** The lease for a server with this report interval; 0 with fencing off (marginMs undefined, or too short a deadline). */
export function fenceMs(reportIntervalMs: number, missedReports: number, marginMs: number | undefined): number {
  if (marginMs === undefined) return 0;
  const deadline = reportIntervalMs * missedReports;
  const lease = deadline - Math.min(Math.max(0, marginMs), Math.floor(deadline * MAX_MARGIN_SHARE));
  return lease >= MIN_FENCE_MS ? lease : 0;
}
