import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { ConfigError, int, str, type Values } from "../common/config.js";
import type { Logger } from "../common/log.js";
import { JoinTokens } from "../common/token.js";
import { MemoryStore } from "../common/store/memory-store.js";
import { RedisStore } from "../common/store/redis-store.js";
import type { RoomStore } from "../common/store/store.js";
import { buildGateway } from "../gateway/server.js";
import { GrpcRoomAllocator } from "../gateway/manager-client.js";
import { buildManager } from "../manager/server.js";
import { startGameServer } from "../gameserver/server.js";

// Turns settings into running components. Each start function resolves once the component
// listens and returns its stop function.

export type Stop = () => Promise<void>;

export function openStore(v: Values, embeddedAllowed: boolean): RoomStore {
  const url = str(v, "REDIS_URL");
  if (url) return new RedisStore({ redis: url, keyPrefix: str(v, "REDIS_KEY_PREFIX") });
  if (!embeddedAllowed) throw new ConfigError("REDIS_URL is required when components run as separate processes");
  return new MemoryStore();
}

export function secret(v: Values, generateIfMissing: boolean): string {
  const s = str(v, "ROOMGATE_SECRET");
  if (s) return s;
  if (!generateIfMissing) throw new ConfigError("ROOMGATE_SECRET is required (the same value on every Gateway and game server)");
  return randomBytes(32).toString("base64url");
}

export async function startManager(v: Values, store: RoomStore, log: Logger) {
  const m = buildManager({
    store,
    log,
    missedReports: int(v, "MISSED_REPORTS"),
    openRoomTimeoutMs: int(v, "OPEN_ROOM_TIMEOUT_MS"),
    idempotencyTtlMs: int(v, "IDEMPOTENCY_TTL_MS"),
  });
  const port = await m.listen(str(v, "MANAGER_HOST")!, int(v, "MANAGER_PORT"));
  log.info("ready", { component: "manager", port });
  return { port, stop: () => m.close(int(v, "SHUTDOWN_TIMEOUT_MS")) };
}

export async function startGateway(v: Values, store: RoomStore, managerAddress: string, secretValue: string, log: Logger) {
  const allocator = new GrpcRoomAllocator(managerAddress, int(v, "ALLOCATE_TIMEOUT_MS"));
  const cert = str(v, "GATEWAY_TLS_CERT");
  const key = str(v, "GATEWAY_TLS_KEY");
  if (!!cert !== !!key) throw new ConfigError("GATEWAY_TLS_CERT and GATEWAY_TLS_KEY go together");
  const gw = buildGateway({
    store,
    allocator,
    tokens: new JoinTokens(secretValue),
    joinTokenTtlMs: int(v, "JOIN_TOKEN_TTL_MS"),
    defaultMaxPlayers: int(v, "ROOM_DEFAULT_MAX_PLAYERS"),
    maxPlayersLimit: int(v, "ROOM_MAX_PLAYERS_LIMIT"),
    log,
    tls: cert && key ? { certFile: cert, keyFile: key } : undefined,
    corsOrigins: (str(v, "GATEWAY_CORS_ORIGINS") ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    // dist/cli/components.js -> <repo>/web/dist
    webDir: str(v, "GATEWAY_WEB_DIR") ?? resolve(__dirname, "..", "..", "web", "dist"),
  });
  const port = await gw.listen(str(v, "GATEWAY_HOST")!, int(v, "GATEWAY_PORT"));
  log.info("ready", { component: "gateway", port, tls: !!cert });
  return {
    port,
    stop: async () => {
      await gw.close(int(v, "SHUTDOWN_TIMEOUT_MS"));
      allocator.close();
    },
  };
}

export async function startOneGameServer(v: Values, port: number, managerAddress: string, secretValue: string, log: Logger, id?: string) {
  const gs = await startGameServer({
    id,
    host: str(v, "GAMESERVER_HOST")!,
    port,
    publicAddress: str(v, "GAMESERVER_PUBLIC_ADDRESS"),
    region: str(v, "GAMESERVER_REGION")!,
    managerAddress,
    secret: secretValue,
    reportIntervalMs: int(v, "REPORT_INTERVAL_MS"),
    maxRooms: int(v, "GAMESERVER_CAPACITY"),
    maxPlayers: int(v, "GAMESERVER_MAX_PLAYERS"),
    maxFrameBytes: int(v, "MAX_FRAME_BYTES"),
    maxMessagesPerSecond: int(v, "MAX_MESSAGES_PER_SECOND"),
    maxBackpressureBytes: int(v, "MAX_BACKPRESSURE_BYTES"),
    idleTimeoutS: int(v, "IDLE_TIMEOUT_S"),
    reconnectGraceMs: int(v, "RECONNECT_GRACE_MS"),
    log,
  });
  log.info("ready", { component: "gameserver", port: gs.port, serverId: gs.id, address: gs.address });
  return { port: gs.port, id: gs.id, address: gs.address, stop: () => gs.shutdown(int(v, "SHUTDOWN_TIMEOUT_MS")) };
}
