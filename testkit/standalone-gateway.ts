import { create } from "@bufbuild/protobuf";
import { AllocateRoomResponseSchema } from "../gen/roomgate/v1/manager_pb.js";
import { silentLogger } from "../common/log.js";
import { MemoryStore } from "../common/store/memory-store.js";
import { JoinTokens } from "../common/token.js";
import { buildGateway, type GatewayServerOptions } from "../gateway/server.js";

/**
 * A Gateway alone, for tests of its edge: a memory store and, as the Manager is not under test,
 * an allocator that fails.
 */
export function buildStandaloneGateway(o: Partial<GatewayServerOptions> = {}) {
  return buildGateway({
    store: new MemoryStore(),
    allocator: { allocateRoom: async () => create(AllocateRoomResponseSchema, {}), close() {} },
    tokens: new JoinTokens("x".repeat(32)),
    joinTokenTtlMs: 1000,
    defaultMaxPlayers: 4,
    maxPlayersLimit: 8,
    log: silentLogger,
    ...o,
  });
}
