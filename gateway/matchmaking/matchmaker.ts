// The Gateway's matchmaking core: seats in rooms, quick-join, new rooms through a Manager, public
// listings. No transport here: the edge (gateway/service.ts) calls it and maps each MatchError.

import { createHash } from "node:crypto";
import { create, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { type Room, RoomState, RoomVisibility } from "../../gen/roomgate/v1/common_pb.js";
import {
  type CreateRoomRequest,
  type CreateRoomResponse,
  CreateRoomResponseSchema,
  type JoinOrCreateRequest,
  type JoinOrCreateResponse,
  JoinOrCreateResponseSchema,
  type JoinRoomRequest,
  type JoinRoomResponse,
  JoinRoomResponseSchema,
  type ListRoomsRequest,
  type ListRoomsResponse,
  ListRoomsResponseSchema,
} from "../../gen/roomgate/v1/gateway_pb.js";
import { AllocateRoomRequestSchema } from "../../gen/roomgate/v1/manager_pb.js";
import { newPlayerId, newRoomId } from "../../common/ids.js";
import { withRoomType } from "../../common/room-type.js";
import { openClaimsOf } from "../../common/open-claims.js";
import { type JoinTokens, TokenError } from "../../common/token.js";
import type { JoinTokenClaims } from "../../gen/roomgate/v1/room_pb.js";
import { type Holder, type OverCap, overCapMessage } from "../../common/store/caps.js";
import type { MatchStore, RoomAllocator } from "./dependencies.js";
import { MatchError, storeCall } from "./errors.js";
import { seatOrCreate } from "./quick-join.js";
import { nearRegions, orderRegions } from "./regions.js";

export interface MatchmakerOptions {
  store: MatchStore;
  allocator: RoomAllocator;
  tokens: JoinTokens;
  joinTokenTtlMs: number;
  defaultMaxPlayers: number;
  maxPlayersLimit: number;
  /** How long past its expiry a join token still serves as a rejoin_token; default 10 minutes. */
  rejoinWindowMs?: number;
  /** No rejoin is granted later than this after the player's first ticket for the room; default 24 hours. */
  sessionMaxMs?: number;
  /** This Gateway's region: where rooms go when a client names none and measured none. */
  region?: string;
  /** JoinOrCreate fills open rooms in regions at most this much slower than the fastest; default 30. */
  quickJoinSlackMs?: number;
  /** How long JoinOrCreate waits for a room another player is creating to open; default 5000. */
  openWaitMs?: number;
  /** Per caller: rooms nobody has joined yet, and seats held and not used; 0 (the default): no cap. */
  caps?: ClientCaps;
  now?: () => number;
}

const MAX_ROOM_LABELS = 16;

export interface ClientCaps {
  maxUnjoinedRooms: number;
  maxUnusedSeats: number;
}

type NewRoom = Omit<MessageInitShape<typeof AllocateRoomRequestSchema>, "roomId" | "firstJoinTimeoutMs" | "owner">;

/** Who calls: the client's address (gateway/client-address.ts) and, with player auth, the verified player. */
export interface Caller {
  address: string;
  player?: { id: string; name: string; claims: JsonObject };
}

const NO_CALLER: Caller = { address: "" };

/**
 * Who a call counts against, as one string: the verified player, else the client's address. The
 * one place that decides it: request_id scopes, per-client rate limits (gateway/client-limits.ts)
 * and the caps on unjoined rooms and unused seats all key on it.
 */
export function callerId(caller: Caller): string {
  return caller.player ? `player:${caller.player.id}` : `address:${caller.address}`;
}

/**
 * A CreateRoom request_id as the store keys it: scoped to the caller (the verified player, else
 * the client's address), so another client sending the same key gets a room of its own, never
 * the creator's room and player.
 */
export function scopedRequestId(requestId: string, caller: Caller): string {
  if (!requestId) return "";
  const scope = callerId(caller);
  return `s1:${createHash("sha256").update(scope).update("\0").update(requestId).digest("base64url")}`;
}

interface TicketFor {
  playerId: string;
  playerName: string;
  /** Carried on from the rejoin token; now for a first ticket. */
  sessionStartMs?: number;
  rejoin?: boolean;
  claims?: JsonObject;
}

/**
 * Requests arrive already checked against the rules in gateway.proto (lengths, patterns, room id
 * shape); only limits that depend on this Gateway's configuration are checked here. Each call
 * names its caller (gateway/caller.ts): the rooms and seats it gets count against its caps.
 */
export class Matchmaker {
  private readonly now: () => number;

  constructor(private readonly o: MatchmakerOptions) {
    this.now = o.now ?? Date.now;
  }

  async createRoom(req: CreateRoomRequest, caller: Caller = NO_CALLER): Promise<CreateRoomResponse> {
    const playerId = caller.player?.id ?? newPlayerId();
    const res = await this.allocate(caller, {
      regions: this.regions(req.region, req.latencies),
      maxPlayers: this.maxPlayers(req.maxPlayers),
      requestId: scopedRequestId(req.requestId, caller),
      creatorPlayerId: playerId,
      // A logic type is a label the room's server must have: placement and moves honour it as any other.
      labels: this.labels(req.labels, req.roomType),
      visibility: req.visibility || RoomVisibility.PRIVATE,
      mode: req.mode,
      metadata: req.metadata,
    });
    // An idempotent retry (by the same caller: the key is scoped) is the same player in the same room.
    return create(
      CreateRoomResponseSchema,
      this.ticket(res.room, {
        playerId: res.created ? playerId : res.room.creatorPlayerId,
        playerName: caller.player?.name ?? req.playerName,
        claims: caller.player?.claims,
      }),
    );
  }

  async joinRoom(req: JoinRoomRequest, caller: Caller = NO_CALLER): Promise<JoinRoomResponse> {
    // A player coming back (reconnect, or its room moved) keeps its id, and so its seat and state.
    const rejoin = req.rejoinToken ? this.rejoinClaims(req.rejoinToken, req.roomId, caller) : undefined;
    const playerId = caller.player?.id ?? rejoin?.playerId ?? newPlayerId();
    const now = this.now();
    const held = await storeCall(() =>
      this.o.store.holdSeat({
        roomId: req.roomId,
        playerId,
        untilMs: now + this.o.joinTokenTtlMs,
        nowMs: now,
        rejoin: rejoin !== undefined,
        holder: this.holder(caller),
      }),
    );
    switch (held.kind) {
      case "missing":
        throw new MatchError("room_not_found", `room ${req.roomId} not found`);
      case "unavailable":
        // Only its creator's CreateRoom call may still be waiting for an OPENING room's server.
        throw new MatchError(
          "room_not_ready",
          held.room.state === RoomState.MOVING
            ? "room is moving to another server; retry"
            : "room is still opening; retry",
        );
      case "full":
        throw new MatchError("room_full", `room ${req.roomId} is full (${held.room.maxPlayers} seats)`);
      case "over_cap":
        throw this.overCap(held);
    }
    // A ticket never used (its room moved before the player got there) passes on as a first
    // ticket, and is spent so that it opens nothing; one that was used brings back a player the
    // room must still expect.
    const comingBack = rejoin !== undefined && !(await this.handedOn(rejoin, now));
    return create(
      JoinRoomResponseSchema,
      this.ticket(held.room, {
        playerId,
        playerName: caller.player?.name ?? (req.playerName || rejoin?.playerName || ""),
        sessionStartMs: rejoin ? Number(rejoin.sessionStartMs) : undefined,
        rejoin: comingBack,
        claims: caller.player?.claims,
      }),
    );
  }

  async joinOrCreate(req: JoinOrCreateRequest, caller: Caller = NO_CALLER): Promise<JoinOrCreateResponse> {
    const maxPlayers = this.maxPlayers(req.maxPlayers);
    const playerId = caller.player?.id ?? newPlayerId();
    const preferred = req.region || (req.latencies.length === 0 ? (this.o.region ?? "") : "");
    const regions = nearRegions(preferred, req.latencies, this.o.quickJoinSlackMs ?? 30);
    const quick = {
      store: this.o.store,
      now: this.now,
      holdMs: this.o.joinTokenTtlMs,
      openWaitMs: this.o.openWaitMs ?? 5000,
      overCap: (o: OverCap) => this.overCap(o),
    };
    // Rooms match on labels exactly, so a quick-join only ever finds rooms of its own type.
    const labels = this.labels(req.labels, req.roomType);
    const ask = { playerId, mode: req.mode, maxPlayers, labels, regions, holder: this.holder(caller) };
    const { room, created } = await seatOrCreate(quick, ask, async () => {
      const res = await this.allocate(caller, {
        regions: this.regions(req.region, req.latencies),
        maxPlayers,
        creatorPlayerId: playerId,
        labels,
        visibility: RoomVisibility.PUBLIC,
        mode: req.mode,
        metadata: req.metadata,
      });
      return res.room;
    });
    const ticket = this.ticket(room, {
      playerId,
      playerName: caller.player?.name ?? req.playerName,
      claims: caller.player?.claims,
    });
    return create(JoinOrCreateResponseSchema, { ...ticket, created });
  }

  /** A page of public rooms, newest first; the page token is the store's cursor (gateway.proto checks its shape). */
  async listRooms(req: ListRoomsRequest): Promise<ListRoomsResponse> {
    const query = {
      mode: req.mode,
      region: req.region,
      includeFull: req.includeFull,
      limit: req.pageSize || 20,
      after: req.pageToken || undefined,
      nowMs: this.now(),
    };
    const page = await storeCall(() => this.o.store.listRooms(query));
    return create(ListRoomsResponseSchema, { rooms: page.rooms, nextPageToken: page.next ?? "" });
  }

  async getRoom(roomId: string): Promise<Room> {
    const room = await storeCall(() => this.o.store.getRoom(roomId, this.now()));
    if (!room) throw new MatchError("room_not_found", `room ${roomId} not found`);
    return room;
  }

  /**
   * A join token we signed for this room, expired at most rejoinWindowMs ago, of a session that
   * began at most sessionMaxMs ago, and (with player auth) of this very player. Whether the player
   * is still expected back is the game server's to say: only it knows who left.
   */
  private rejoinClaims(token: string, roomId: string, caller: Caller) {
    let claims;
    try {
      claims = this.o.tokens.verify(token, { nowMs: this.now() - (this.o.rejoinWindowMs ?? 600_000) });
    } catch (e) {
      if (e instanceof TokenError)
        throw new MatchError("rejoin_refused", `rejoin_token ${e.message.replace(/^join token /, "")}`);
      throw e;
    }
    if (claims.roomId !== roomId) throw new MatchError("invalid_request", "rejoin_token is for another room");
    if (Number(claims.sessionStartMs) + (this.o.sessionMaxMs ?? 86_400_000) <= this.now())
      throw new MatchError("rejoin_refused", "rejoin_token refused: the session is over (SESSION_MAX_MS); join anew");
    if (caller.player && claims.playerId !== caller.player.id)
      throw new MatchError("rejoin_refused", "rejoin_token refused: it is another player's");
    return claims;
  }

  /** Spends a live join token nobody used yet: true when it was unused (and is now spent), or handed on before by a call that is now retried. */
  private async handedOn(token: JoinTokenClaims, now: number): Promise<boolean> {
    const untilMs = Number(token.expireTimeMs);
    if (untilMs <= now) return false;
    const tokenId = Buffer.from(token.tokenId).toString("base64url");
    return storeCall(() => this.o.store.handOnToken({ tokenId, untilMs, nowMs: now }));
  }

  /** The labels a new room's server must have: the request's, and its room type's when that is not relay. */
  private labels(labels: Record<string, string>, roomType: string): Record<string, string> {
    const all = withRoomType(labels, roomType);
    // The room type is one more label, and a room has 16 at most (AllocateRoomRequest.labels).
    if (Object.keys(all).length > MAX_ROOM_LABELS)
      throw new MatchError("invalid_request", `with a room_type, labels may have at most ${MAX_ROOM_LABELS - 1} pairs`);
    return all;
  }

  private maxPlayers(asked: number): number {
    const maxPlayers = asked || this.o.defaultMaxPlayers;
    if (maxPlayers > this.o.maxPlayersLimit)
      throw new MatchError("invalid_request", `max_players must be at most ${this.o.maxPlayersLimit}`);
    return maxPlayers;
  }

  /** Regions for a new room, best first: what the client asked or measured, else this Gateway's. */
  private regions(preferred: string, latencies: CreateRoomRequest["latencies"]): string[] {
    const ordered = orderRegions(preferred, latencies);
    return ordered.length > 0 || !this.o.region ? ordered : [this.o.region];
  }

  /** Who the caller's new rooms and held seats count against; undefined when no cap is on. */
  private holder(caller: Caller): Holder | undefined {
    const caps = this.o.caps;
    if (!caps || (caps.maxUnjoinedRooms <= 0 && caps.maxUnusedSeats <= 0)) return undefined;
    return { id: callerId(caller), ...caps };
  }

  /** A room or seat past the caller's caps: any of its unused ones lapses within a join token's life. */
  private overCap(o: OverCap): MatchError {
    return new MatchError("over_cap", overCapMessage(o, this.o.joinTokenTtlMs), this.o.joinTokenTtlMs);
  }

  private async allocate(caller: Caller, init: NewRoom): Promise<{ room: Room; created: boolean }> {
    // A fresh 128-bit id collides only in theory; one retry with another id settles it.
    for (let attempt = 0; ; attempt++) {
      try {
        const req = create(AllocateRoomRequestSchema, {
          ...init,
          roomId: newRoomId(),
          firstJoinTimeoutMs: this.o.joinTokenTtlMs,
          owner: this.holder(caller),
        } as MessageInitShape<typeof AllocateRoomRequestSchema>);
        const res = await this.o.allocator.allocateRoom(req);
        if (!res.room) throw new MatchError("bad_manager_answer", "manager returned no room");
        return { room: res.room, created: res.created };
      } catch (e) {
        if (attempt === 0 && e instanceof MatchError && e.failure === "room_id_taken") continue;
        // The Manager checked the caps in the store; the hint is the Gateway's to give.
        if (e instanceof MatchError && e.failure === "over_cap" && e.retryAfterMs === undefined)
          throw new MatchError("over_cap", e.message, this.o.joinTokenTtlMs);
        throw e;
      }
    }
  }

  private ticket(room: Room, t: TicketFor) {
    const now = this.now();
    const expireTimeMs = now + this.o.joinTokenTtlMs;
    // A room the store has OPENING here is one its server opens on the first token (no other
    // OPENING room gets a seat): any of its tokens may be the first, so each carries what opens it,
    // within the room's first-join window (the Manager reclaims it after that).
    const open =
      room.state === RoomState.OPENING
        ? openClaimsOf(room, (room.createTime ? timestampMs(room.createTime) : now) + this.o.joinTokenTtlMs)
        : undefined;
    return {
      roomId: room.roomId,
      serverAddress: room.serverAddress,
      serverId: room.serverId,
      region: room.region,
      playerId: t.playerId,
      joinToken: this.o.tokens.sign({
        roomId: room.roomId,
        playerId: t.playerId,
        serverId: room.serverId,
        playerName: t.playerName,
        expireTimeMs,
        sessionStartMs: t.sessionStartMs ?? now,
        rejoin: t.rejoin,
        playerClaims: t.claims,
        open,
      }),
      joinTokenExpireTime: timestampFromMs(expireTimeMs),
    };
  }
}
