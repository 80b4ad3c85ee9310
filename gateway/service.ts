import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { type Room, RoomState } from "../gen/roomgate/v1/common_pb.js";
import {
  type CreateRoomRequest,
  type CreateRoomResponse,
  CreateRoomResponseSchema,
  GetRoomResponseSchema,
  type GatewayService,
  type JoinRoomRequest,
  type JoinRoomResponse,
  JoinRoomResponseSchema,
  type WatchClusterRequest,
} from "../gen/roomgate/v1/gateway_pb.js";
import { watchCluster } from "./cluster-watch.js";
import { AllocateRoomRequestSchema } from "../gen/roomgate/v1/manager_pb.js";
import { newPlayerId, newRoomId } from "../common/ids.js";
import { type JoinTokens, TokenError } from "../common/token.js";
import type { RoomStore } from "../common/store/store.js";
import type { RoomAllocator } from "./manager-client.js";

export interface GatewayOptions {
  store: RoomStore;
  allocator: RoomAllocator;
  tokens: JoinTokens;
  joinTokenTtlMs: number;
  defaultMaxPlayers: number;
  maxPlayersLimit: number;
  /** How long past its expiry a join token still serves as a rejoin_token; default 10 minutes. */
  rejoinWindowMs?: number;
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
    const maxPlayers = req.maxPlayers || this.o.defaultMaxPlayers;
    if (maxPlayers > this.o.maxPlayersLimit) {
      throw new ConnectError(`max_players must be at most ${this.o.maxPlayersLimit}`, Code.InvalidArgument);
    }
    const playerId = newPlayerId();
    let res;
    // A fresh 128-bit id collides only in theory; one retry with another id settles it.
    for (let attempt = 0; ; attempt++) {
      try {
        res = await this.o.allocator.allocateRoom(
          create(AllocateRoomRequestSchema, {
            roomId: newRoomId(),
            region: req.region,
            maxPlayers,
            requestId: req.requestId,
            creatorPlayerId: playerId,
            firstJoinTimeoutMs: this.o.joinTokenTtlMs,
          }),
        );
        break;
      } catch (e) {
        if (attempt === 0 && ConnectError.from(e).code === Code.AlreadyExists) continue;
        throw e;
      }
    }
    const room = res.room;
    if (!room) throw new ConnectError("manager returned no room", Code.Internal);
    // An idempotent retry is the same player in the same room.
    return create(CreateRoomResponseSchema, this.ticket(room, res.created ? playerId : room.creatorPlayerId, req.playerName));
  }

  async joinRoom(req: JoinRoomRequest): Promise<JoinRoomResponse> {
    // A player coming back (reconnect, or its room moved) keeps its id, and so its seat and state.
    const rejoin = req.rejoinToken ? this.rejoinClaims(req.rejoinToken, req.roomId) : undefined;
    const room = await this.lookup(req.roomId);
    if (room.state === RoomState.MOVING) throw new ConnectError("room is moving to another server; retry", Code.Unavailable);
    // Only its creator's CreateRoom call may still be waiting for the server to confirm it.
    if (room.state === RoomState.OPENING) throw new ConnectError("room is still opening; retry", Code.Unavailable);
    return create(JoinRoomResponseSchema, this.ticket(room, rejoin?.playerId ?? newPlayerId(), req.playerName || rejoin?.playerName || ""));
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
    let room: Room | undefined;
    try {
      room = await this.o.store.getRoom(roomId);
    } catch (e) {
      throw new ConnectError(`room store unavailable: ${(e as Error).message}`, Code.Unavailable);
    }
    if (!room) throw new ConnectError(`room ${roomId} not found`, Code.NotFound);
    return room;
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
