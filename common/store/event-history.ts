import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { ClusterEvent } from "../../gen/roomgate/v1/gateway_pb.js";

// The recent past of the cluster events: what the store keeps so that a dashboard opened now can
// show what happened before it (the channel itself delivers only to those listening).

export interface EventHistoryLimits {
  /** Most events kept, the newest; 0 keeps none. */
  maxEvents: number;
  /** Events older than this, by their own time, are no longer handed out. */
  maxAgeMs: number;
}

export const DEFAULT_EVENT_HISTORY: EventHistoryLimits = { maxEvents: 200, maxAgeMs: 5 * 60_000 };

/** Throws on limits that make no sense (negative, not whole): a config error, not a silent default. */
export function checkEventHistory(l: EventHistoryLimits): EventHistoryLimits {
  for (const [k, v] of Object.entries(l))
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`event history ${k} must be a whole number >= 0`);
  return l;
}

/** Oldest first, those still young enough at nowMs (an event without a time counts as new). */
export function stillRecent(newestFirst: ClusterEvent[], nowMs: number, l: EventHistoryLimits): ClusterEvent[] {
  const from = nowMs - l.maxAgeMs;
  return newestFirst
    .slice(0, l.maxEvents)
    .filter((e) => !e.time || timestampMs(e.time) >= from)
    .reverse();
}
