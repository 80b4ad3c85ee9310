// The fencing lease a Manager tells its game servers (docs/protocol.md, Fencing): the death
// deadline less FENCE_MARGIN_MS, never under half the deadline. A server that no Manager confirms
// for this long stops its rooms; the Managers' rules for declaring it dead (streams.ts writes the
// deadline, failover.ts waits it out, and waits one lease more after it starts) keep that stop
// ahead of any move.

/** The lease for a server with this report interval; 0 with fencing off (marginMs undefined). */
export function fenceMs(reportIntervalMs: number, missedReports: number, marginMs: number | undefined): number {
  if (marginMs === undefined) return 0;
  const deadline = reportIntervalMs * missedReports;
  return Math.max(Math.ceil(deadline / 2), deadline - Math.max(0, marginMs));
}
