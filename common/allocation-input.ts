import { RoomVisibility } from "../gen/roomgate/v1/common_pb.js";
import type { AllocateRoomRequest } from "../gen/roomgate/v1/manager_pb.js";
import { fitsInToken } from "./open-claims.js";
import type { PlacementStrategy } from "./store/placement.js";
import type { AllocateInput } from "./store/rooms.js";

// What the store is asked to place for one AllocateRoom request. The Manager and a Gateway placing
// on its own (gateway/store-placement.ts) build it here, from the same settings
// (OPEN_ROOM_TIMEOUT_MS, IDEMPOTENCY_TTL_MS, PLACEMENT_STRATEGY, read by both), so a room is
// placed, kept and reclaimed alike whoever placed it.

export interface PlacementSettings {
  strategy: PlacementStrategy;
  /** How long a server has to open a room (the Manager's router waits as long). */
  openRoomTimeoutMs: number;
  /** How long a request_id names the room it made. */
  idempotencyTtlMs: number;
}

export interface PlacementCall {
  nowMs: number;
  /** Servers not to use (they failed to open this room just now). */
  excluded: string[];
  /** The Manager asking (its own servers are reachable); none for a Gateway. */
  managerId?: string;
  /** Place only on a server that opens on the first token (see AllocateInput.tokenOpenOnly). */
  tokenOpenOnly?: boolean;
}

export function allocationInput(req: AllocateRoomRequest, s: PlacementSettings, c: PlacementCall): AllocateInput {
  const openDeadlineMs = c.nowMs + s.openRoomTimeoutMs + 1000;
  return {
    roomId: req.roomId,
    strategy: s.strategy,
    regions: [...new Set([req.region, ...req.regions].filter((r) => r !== ""))],
    labels: req.labels,
    excluded: c.excluded,
    seats: req.maxPlayers,
    creatorPlayerId: req.creatorPlayerId,
    requestId: req.requestId || undefined,
    idempotencyTtlMs: s.idempotencyTtlMs,
    nowMs: c.nowMs,
    openDeadlineMs,
    // Nobody came within the first join token's life: any Manager reclaims it, a little later.
    tokenOpenDeadlineMs: opensOnToken(req) ? openDeadlineMs + req.firstJoinTimeoutMs : undefined,
    tokenOpenOnly: c.tokenOpenOnly,
    holdUntilMs: c.nowMs + req.firstJoinTimeoutMs,
    visibility: req.visibility || RoomVisibility.PRIVATE,
    mode: req.mode,
    metadata: req.metadata,
    managerId: c.managerId,
    owner: req.owner,
  };
}

/** Whether the room may open on its first join token: what opens it fits in the token. */
export function opensOnToken(req: AllocateRoomRequest): boolean {
  return fitsInToken(req.labels, req.metadata);
}
