// The Gateway's Connect edge: each RPC calls the matchmaking core and maps its errors to codes.

import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  type CreateRoomRequest,
  type GatewayService,
  GetRoomResponseSchema,
  type GetRoomRequest,
  type JoinOrCreateRequest,
  type JoinRoomRequest,
  ListRegionsResponseSchema,
  type ListRoomsRequest,
  type WatchClusterRequest,
} from "../gen/roomgate/v1/gateway_pb.js";
import type { AdminToken } from "../common/admin-token.js";
import { requireOperator } from "./admin-token.js";
import { callerOf } from "./caller.js";
import type { Activity } from "./activity.js";
import { type WatchStore, watchCluster } from "./cluster-watch.js";
import { type MatchFailure, MatchError } from "./matchmaking/errors.js";
import type { Matchmaker } from "./matchmaking/matchmaker.js";

export interface GatewayServiceDeps {
  matchmaker: Matchmaker;
  /** What WatchCluster streams. */
  cluster: WatchStore;
  /** The operator's credential, which WatchCluster needs. */
  admin: AdminToken;
  /** This Gateway's quick-join and listing counts, shown on the dashboard. */
  activity?: Activity;
  /** This Gateway's region (ListRegions). */
  region?: string;
  /** Every region's Gateway, for clients to measure (ListRegions). */
  regionGateways?: { region: string; url: string }[];
}

const CODES: Record<MatchFailure, Code> = {
  room_not_found: Code.NotFound,
  room_not_ready: Code.Unavailable,
  room_full: Code.ResourceExhausted,
  invalid_request: Code.InvalidArgument,
  rejoin_refused: Code.Unauthenticated,
  store_unavailable: Code.Unavailable,
  room_id_taken: Code.AlreadyExists,
  bad_manager_answer: Code.Internal,
  over_cap: Code.ResourceExhausted,
};

/** A MatchError as its status code (and Retry-After, seconds); anything else (a Manager's own status) passes unchanged. */
function toConnect(e: unknown): unknown {
  if (!(e instanceof MatchError)) return e;
  const retry = e.retryAfterMs === undefined ? undefined : { "retry-after": String(Math.ceil(e.retryAfterMs / 1000)) };
  return new ConnectError(e.message, CODES[e.failure], retry);
}

async function mapped<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (e) {
    throw toConnect(e);
  }
}

// Requests reach these methods already checked against the rules in gateway.proto
// (validationInterceptor in ./validation.ts).

export class GatewayServiceImpl implements ServiceImpl<typeof GatewayService> {
  constructor(private readonly d: GatewayServiceDeps) {}

  createRoom(req: CreateRoomRequest, ctx?: HandlerContext) {
    return mapped(this.d.matchmaker.createRoom(req, callerOf(ctx?.values)));
  }

  joinRoom(req: JoinRoomRequest, ctx?: HandlerContext) {
    return mapped(this.d.matchmaker.joinRoom(req, callerOf(ctx?.values)));
  }

  joinOrCreate(req: JoinOrCreateRequest, ctx?: HandlerContext) {
    return mapped(this.d.matchmaker.joinOrCreate(req, callerOf(ctx?.values)));
  }

  listRooms(req: ListRoomsRequest) {
    return mapped(this.d.matchmaker.listRooms(req));
  }

  async listRegions() {
    return create(ListRegionsResponseSchema, { regions: this.d.regionGateways ?? [], region: this.d.region ?? "" });
  }

  async getRoom(req: GetRoomRequest) {
    return create(GetRoomResponseSchema, { room: await mapped(this.d.matchmaker.getRoom(req.roomId)) });
  }

  async *watchCluster(req: WatchClusterRequest, ctx: HandlerContext) {
    requireOperator(this.d.admin, "WatchCluster", ctx.requestHeader.get("authorization"));
    const maxIntervalMs = Math.min(60_000, Math.max(250, req.maxIntervalMs || 1000));
    try {
      const activity = this.d.activity;
      yield* watchCluster(
        this.d.cluster,
        { maxIntervalMs, recentEvents: req.recentEvents, activity: activity && (() => activity.read()) },
        ctx.signal,
      );
    } catch (e) {
      if (ctx.signal.aborted) return;
      throw new ConnectError(`room store unavailable: ${(e as Error).message}`, Code.Unavailable);
    }
  }
}
