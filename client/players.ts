import type { Player } from "./gen/roomgate/v1/room_pb.js";

// After a reconnect the new welcome is the truth; whoever came or went while we were away gets the
// same events as if we had watched it happen, so listeners' views stay right without a resync.

export interface PlayersChange {
  joined: Player[];
  left: string[];
}

/** Others who joined and left between two lists; our own id in each list is not a change. */
export function playersChange(
  before: readonly Player[],
  beforeSelf: string,
  after: readonly Player[],
  afterSelf: string,
): PlayersChange {
  const had = new Set(before.map((p) => p.id));
  const has = new Set(after.map((p) => p.id));
  return {
    joined: after.filter((p) => p.id !== afterSelf && !had.has(p.id)),
    left: before.filter((p) => p.id !== beforeSelf && !has.has(p.id)).map((p) => p.id),
  };
}
