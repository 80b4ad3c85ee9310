// Where a client would rather play, from what it asked for and what it measured.

import type { RegionLatency } from "../../gen/roomgate/v1/common_pb.js";

/** The preferred region, then the measured ones from the fastest (ties by name); no repeats. */
export function orderRegions(preferred: string, latencies: RegionLatency[]): string[] {
  const measured = [...latencies]
    .sort((a, b) => a.rttMs - b.rttMs || (a.region < b.region ? -1 : a.region > b.region ? 1 : 0))
    .map((l) => l.region);
  return [...new Set([preferred, ...measured].filter((r) => r !== ""))];
}

/**
 * Regions whose open rooms a quick-join may fill: the preferred one alone, or else every measured
 * region within slackMs of the fastest (a room a little farther beats a new empty one), fastest
 * first. Empty: any region.
 */
export function nearRegions(preferred: string, latencies: RegionLatency[], slackMs: number): string[] {
  if (preferred) return [preferred];
  if (latencies.length === 0) return [];
  const fastest = Math.min(...latencies.map((l) => l.rttMs));
  return orderRegions(
    "",
    latencies.filter((l) => l.rttMs <= fastest + slackMs),
  );
}
