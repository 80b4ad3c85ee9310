import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { Room } from "../gen/roomgate/v1/common_pb.js";
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
import { isRoomId, newPlayerId, newRoomId } from "../common/ids.js";
import type { JoinTokens } from "../common/token.js";
import type { RoomStore } from "../common/store/store.js";
import type { RoomAllocator } from "./manager-client.js";

export interface GatewayOptions {
  store: RoomStore;
  allocator: RoomAllocator;
  tokens: JoinTokens;
  joinTokenTtlMs: number;
  defaultMaxPlayers: number;
  maxPlayersLimit: number;
  now?: () => number;
}

const TEXT_LIMITS = { region: 64, requestId: 128, playerName: 64 };

// Input is checked here, at the edge; the Manager and the store see only valid requests.
function checkText(field: string, value: string, max: number) {
  if (value.length > max) throw new ConnectError(`${field} must be at most ${max} characters`, Code.InvalidArgument);
  // Control characters in names and ids break logs and UIs downstream.
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new ConnectError(`${field} must not contain control characters`, Code.InvalidArgument);
}

function checkRoomId(roomId: string) {
  if (!roomId) throw new ConnectError("room_id is required", Code.InvalidArgument);
  if (!isRoomId(roomId)) throw new ConnectError("room_id is not a roomgate room id", Code.InvalidArgument);
}

export class GatewayServiceImpl implements ServiceImpl<typeof GatewayService> {
  private readonly now: () => number;

  constructor(private readonly o: GatewayOptions) {
    this.now = o.now ?? Date.now;
  }

  async createRoom(req: CreateRoomRequest): Promise<CreateRoomResponse> {
    checkText("region", req.region, TEXT_LIMITS.region);
    checkText("request_id", req.requestId, TEXT_LIMITS.requestId);
    checkText("player_name", req.playerName, TEXT_LIMITS.playerName);
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
    checkRoomId(req.roomId);
    checkText("player_name", req.playerName, TEXT_LIMITS.playerName);
    const room = await this.lookup(req.roomId);
    return create(JoinRoomResponseSchema, this.ticket(room, newPlayerId(), req.playerName));
  }

  async getRoom(req: { roomId: string }) {
    checkRoomId(req.roomId);
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
