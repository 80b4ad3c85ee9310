import { createHash } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { type Room, RoomState, RoomVisibility } from "../gen/roomgate/v1/common_pb.js";
import {
  type CreateRoomRequest,
  type CreateRoomResponse,
  ClusterEventKind,
  CreateRoomResponseSchema,
  GetRoomResponseSchema,
  type GatewayService,
  type JoinOrCreateRequest,
  type JoinOrCreateResponse,
  JoinOrCreateResponseSchema,
  type JoinRoomRequest,
  type JoinRoomResponse,
  JoinRoomResponseSchema,
  type ListRoomsRequest,
  ListRegionsResponseSchema,
  ListRoomsResponseSchema,
  type WatchClusterRequest,
} from "../gen/roomgate/v1/gateway_pb.js";
import { type WatchStore, watchCluster } from "./cluster-watch.js";
import { AllocateRoomRequestSchema } from "../gen/roomgate/v1/manager_pb.js";
import { newPlayerId, newRoomId } from "../common/ids.js";
import { type JoinTokens, TokenError } from "../common/token.js";
import { canonicalLabels, type Leases, type Listings, type QuickJoin, type QuickJoins, type Seats } from "../common/store/store.js";
import type { RoomAllocator } from "./manager-client.js";
import { nearRegions, orderRegions } from "./regions.js";
import { untilOpen, Wakeup } from "./room-events.js";

export interface GatewayOptions {
  /** Rooms are placed by the Manager; the Gateway reads them, holds seats, lists and quick-joins. */
  store: WatchStore & Pick<Seats, "holdSeat"> & QuickJoins & Listings & Leases;
  allocator: RoomAllocator;
  tokens: JoinTokens;
  joinTokenTtlMs: number;
  defaultMaxPlayers: number;
  maxPlayersLimit: number;
  /** How long past its expiry a join token still serves as a rejoin_token; default 10 minutes. */
  rejoinWindowMs?: number;
  /** This Gateway's region: where rooms go when a client names none and measured none. */
  region?: string;
  /** Every region's Gateway, for clients to measure (ListRegions). */
  regionGateways?: { region: string; url: string }[];
  /** JoinOrCreate fills open rooms in regions at most this much slower than the fastest; default 30. */
  quickJoinSlackMs?: number;
  /** How long JoinOrCreate waits for a room another player is creating to open; default 5000. */
  openWaitMs?: number;
  now?: () => number;
}

// Requests reach these methods already checked against the rules in gateway.proto (lengths,
// control characters, room id shape: validationInterceptor); only limits that depend on this
// Gateway's configuration are checked here.

export class GatewayServiceImpl implements ServiceImpl<typeof GatewayService> {
  private readonly now: () => number;

  constructor(private readonly o: GatewayOptions) {
    this.now = o.now ?? Date.now;
  }

  async createRoom(req: CreateRoomRequest): Promise<CreateRoomResponse> {
    const playerId = newPlayerId();
    const res = await this.allocate({
      regions: this.regions(req.region, req.latencies),
      maxPlayers: this.maxPlayers(req.maxPlayers),
      requestId: req.requestId,
      creatorPlayerId: playerId,
      labels: req.labels,
      visibility: req.visibility || RoomVisibility.PRIVATE,
      mode: req.mode,
      metadata: req.metadata,
    });
    // An idempotent retry is the same player in the same room.
    return create(CreateRoomResponseSchema, this.ticket(res.room, res.created ? playerId : res.room.creatorPlayerId, req.playerName));
  }

  async joinRoom(req: JoinRoomRequest): Promise<JoinRoomResponse> {
    // A player coming back (reconnect, or its room moved) keeps its id, and so its seat and state.
    const rejoin = req.rejoinToken ? this.rejoinClaims(req.rejoinToken, req.roomId) : undefined;
    const playerId = rejoin?.playerId ?? newPlayerId();
    const now = this.now();
    const held = await this.storeCall(() =>
      this.o.store.holdSeat({ roomId: req.roomId, playerId, untilMs: now + this.o.joinTokenTtlMs, nowMs: now, rejoin: rejoin !== undefined }),
    );
    switch (held.kind) {
      case "missing":
        throw new ConnectError(`room ${req.roomId} not found`, Code.NotFound);
      case "unavailable":
        // Only its creator's CreateRoom call may still be waiting for an OPENING room's server.
        throw new ConnectError(held.room.state === RoomState.MOVING ? "room is moving to another server; retry" : "room is still opening; retry", Code.Unavailable);
      case "full":
        throw new ConnectError(`room ${req.roomId} is full (${held.room.maxPlayers} seats)`, Code.ResourceExhausted);
    }
    return create(JoinRoomResponseSchema, this.ticket(held.room, playerId, req.playerName || rejoin?.playerName || ""));
  }

  async joinOrCreate(req: JoinOrCreateRequest): Promise<JoinOrCreateResponse> {
    const maxPlayers = this.maxPlayers(req.maxPlayers);
    const playerId = newPlayerId();
    const now = this.now();
    const preferred = req.region || (req.latencies.length === 0 ? (this.o.region ?? "") : "");
    const regions = nearRegions(preferred, req.latencies, this.o.quickJoinSlackMs ?? 30);
    const waitMs = this.o.openWaitMs ?? 5000;
    const deadline = now + waitMs;
    // Players who find no seat take turns to create a room, so a burst of them fills one room
    // rather than each making its own: the others wait for it and take its seats while it opens.
    const turn = `quickjoin:${createHash("sha1").update(JSON.stringify([req.mode, maxPlayers, canonicalLabels(req.labels), regions])).digest("hex")}`;
    let wakeup: Wakeup | undefined;
    try {
      for (;;) {
        const seat = { playerId, untilMs: this.now() + this.o.joinTokenTtlMs, nowMs: this.now() };
        const room = await this.quickSeat({ mode: req.mode, maxPlayers, labels: req.labels, regions, ...seat });
        if (room) return create(JoinOrCreateResponseSchema, { ...this.ticket(room, playerId, req.playerName), created: false });
        const mine = this.now() >= deadline || (await this.storeCall(() => this.o.store.acquireLease({ name: turn, owner: playerId, nowMs: this.now(), ttlMs: waitMs })));
        if (mine) {
          try {
            const res = await this.allocate({
              regions: this.regions(req.region, req.latencies),
              maxPlayers,
              creatorPlayerId: playerId,
              labels: req.labels,
              visibility: RoomVisibility.PUBLIC,
              mode: req.mode,
              metadata: req.metadata,
            });
            return create(JoinOrCreateResponseSchema, { ...this.ticket(res.room, playerId, req.playerName), created: true });
          } finally {
            await this.o.store.acquireLease({ name: turn, owner: playerId, nowMs: this.now(), ttlMs: 0 }).catch(() => undefined);
          }
        }
        // Someone else is creating one: look again once any room opens (or soon anyway).
        if (!wakeup) wakeup = await this.storeCall(() => Wakeup.on(this.o.store, (e) => e.kind === ClusterEventKind.ROOM_ALLOCATED));
        else await wakeup.next(Math.min(250, deadline - this.now()));
      }
    } finally {
      wakeup?.close();
    }
  }

  /** A held seat in a matching public room, waiting for it to open if it is still opening. */
  private async quickSeat(q: QuickJoin): Promise<Room | undefined> {
    const joined = await this.storeCall(() => this.o.store.joinPublic(q));
    if (!joined || joined.state === RoomState.OPEN) return joined;
    // Its server is known once it is open. A room that failed to open took its seats with it.
    const opened = await this.storeCall(() => untilOpen(this.o.store, joined.roomId, this.o.openWaitMs ?? 5000));
    const held = opened && (await this.storeCall(() => this.o.store.holdSeat({ roomId: opened.roomId, ...q, nowMs: this.now(), rejoin: false })));
    return held && held.kind === "held" ? held.room : undefined;
  }

  async listRooms(req: ListRoomsRequest) {
    const limit = req.pageSize || 20;
    let after: string | undefined;
    if (req.pageToken) {
      after = Buffer.from(req.pageToken, "base64url").toString();
      if (!/^\d+\.[A-Za-z0-9_-]{22}$/.test(after)) throw new ConnectError("page_token is not one ListRooms returned", Code.InvalidArgument);
    }
    const page = await this.storeCall(() =>
      this.o.store.listRooms({ mode: req.mode, region: req.region, includeFull: req.includeFull, limit, after, nowMs: this.now() }),
    );
    return create(ListRoomsResponseSchema, { rooms: page.rooms, nextPageToken: page.next ? Buffer.from(page.next).toString("base64url") : "" });
  }

  async listRegions() {
    return create(ListRegionsResponseSchema, { regions: this.o.regionGateways ?? [], region: this.o.region ?? "" });
  }

  async getRoom(req: { roomId: string }) {
    return create(GetRoomResponseSchema, { room: await this.lookup(req.roomId) });
  }

  async *watchCluster(req: WatchClusterRequest, ctx: HandlerContext) {
    const maxIntervalMs = Math.min(60_000, Math.max(250, req.maxIntervalMs || 1000));
    try {
      yield* watchCluster(this.o.store, maxIntervalMs, ctx.signal);
    } catch (e) {
      if (ctx.signal.aborted) return;
      throw new ConnectError(`room store unavailable: ${(e as Error).message}`, Code.Unavailable);
    }
  }

  /** A join token we signed for this room, expired at most rejoinWindowMs ago. */
  private rejoinClaims(token: string, roomId: string) {
    let claims;
    try {
      claims = this.o.tokens.verify(token, { nowMs: this.now() - (this.o.rejoinWindowMs ?? 600_000) });
    } catch (e) {
      if (e instanceof TokenError) throw new ConnectError(`rejoin_token ${e.message.replace(/^join token /, "")}`, Code.Unauthenticated);
      throw e;
    }
    if (claims.roomId !== roomId) throw new ConnectError("rejoin_token is for another room", Code.InvalidArgument);
    return claims;
  }

  private async lookup(roomId: string): Promise<Room> {
    const room = await this.storeCall(() => this.o.store.getRoom(roomId, this.now()));
    if (!room) throw new ConnectError(`room ${roomId} not found`, Code.NotFound);
    return room;
  }

  private async storeCall<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw new ConnectError(`room store unavailable: ${(e as Error).message}`, Code.Unavailable);
    }
  }

  private maxPlayers(asked: number): number {
    const maxPlayers = asked || this.o.defaultMaxPlayers;
    if (maxPlayers > this.o.maxPlayersLimit) throw new ConnectError(`max_players must be at most ${this.o.maxPlayersLimit}`, Code.InvalidArgument);
    return maxPlayers;
  }

  /** Regions for a new room, best first: what the client asked or measured, else this Gateway's. */
  private regions(preferred: string, latencies: CreateRoomRequest["latencies"]): string[] {
    const ordered = orderRegions(preferred, latencies);
    return ordered.length > 0 || !this.o.region ? ordered : [this.o.region];
  }

  private async allocate(init: Omit<MessageInitShape<typeof AllocateRoomRequestSchema>, "roomId" | "firstJoinTimeoutMs">): Promise<{ room: Room; created: boolean }> {
    // A fresh 128-bit id collides only in theory; one retry with another id settles it.
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.o.allocator.allocateRoom(
          create(AllocateRoomRequestSchema, { ...init, roomId: newRoomId(), firstJoinTimeoutMs: this.o.joinTokenTtlMs } as MessageInitShape<typeof AllocateRoomRequestSchema>),
        );
        if (!res.room) throw new ConnectError("manager returned no room", Code.Internal);
        return { room: res.room, created: res.created };
      } catch (e) {
        if (attempt === 0 && ConnectError.from(e).code === Code.AlreadyExists) continue;
        throw e;
      }
    }
  }

  private ticket(room: Room, playerId: string, playerName: string) {
    const expireTimeMs = this.now() + this.o.joinTokenTtlMs;
    return {
      roomId: room.roomId,
      serverAddress: room.serverAddress,
      serverId: room.serverId,
      region: room.region,
      playerId,
      joinToken: this.o.tokens.sign({ roomId: room.roomId, playerId, serverId: room.serverId, playerName, expireTimeMs }),
      joinTokenExpireTime: timestampFromMs(expireTimeMs),
    };
  }
}
