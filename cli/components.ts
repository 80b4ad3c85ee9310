import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { bool, checkServerId, ConfigError, int, parseLabels, str, type Values } from "../common/config.js";
import {
  channelCredentials,
  checkManagerExposure,
  internalTlsEnabled,
  mutualTlsEnabled,
  serverCredentials,
} from "../common/grpc-credentials.js";
import type { Logger } from "../common/log.js";
import { JoinTokens, parseSigningKeys, type SigningKey } from "../common/token.js";
import { MemoryStore } from "../common/store/memory-store.js";
import { RedisStore } from "../common/store/redis-store.js";
import { CellStore } from "../common/store/cells/cell-store.js";
import { connectCluster, namesCluster } from "../common/store/cluster-connection.js";
import {
  PLACEMENT_STRATEGIES,
  type PlacementStrategy,
  type ClusterEvents,
  type Liveness,
  type Rooms,
  type RoomStore,
  type Seats,
  type SpentTokens,
} from "../common/store/store.js";
import { buildGateway } from "../gateway/server.js";
import { MIN_ADMIN_TOKEN_CHARS } from "../common/admin-token.js";
import { parseRegionGateways } from "../gateway/region-gateways.js";
import {
  gatewayClientCaps,
  gatewayClientLimits,
  gatewayTimeouts,
  gatewayMaxConcurrentStreams,
  gatewayTrustedProxyHops,
  wsIdleTimeoutS,
  wsMaxBytesPerSecond,
} from "./limits.js";
import { autoscalingSettings, startAutoscaling } from "./autoscaling.js";
import { playerAuth } from "./players.js";
import { GrpcRoomAllocator } from "../gateway/manager-client.js";
import { StorePlacement } from "../gateway/store-placement.js";
import type { PlacementSettings } from "../common/allocation-input.js";
import { buildManager } from "../manager/server.js";
import { startGameServer } from "../gameserver/server.js";
import { loadRoomModule } from "../gameserver/room-module.js";
import { DRAIN_MODES, type DrainMode } from "../gameserver/room-host.js";
import { addReadinessCheck } from "../common/metrics/probes.js";
import { exportRefusals } from "../common/metrics/refusals.js";
import { registerComponent } from "../common/metrics/registry.js";
import { storeReachable } from "../common/store/reachable.js";

// Turns settings into running components. Each start function resolves once the component
// listens and returns its stop function.

export type Stop = () => Promise<void>;

export function openStore(v: Values, embeddedAllowed: boolean, log?: Logger): RoomStore {
  const url = str(v, "REDIS_URL");
  const eventHistory = { maxEvents: int(v, "EVENT_HISTORY_MAX_EVENTS"), maxAgeMs: int(v, "EVENT_HISTORY_MAX_AGE_MS") };
  if (url && (namesCluster(url) || bool(v, "REDIS_CLUSTER"))) {
    return new CellStore({
      redis: connectCluster(url, {
        commandTimeoutMs: int(v, "REDIS_COMMAND_TIMEOUT_MS"),
        reconnectMaxDelayMs: int(v, "REDIS_RECONNECT_MAX_MS"),
        log,
      }),
      keyPrefix: str(v, "REDIS_KEY_PREFIX"),
      maxServersPerCell: int(v, "CELL_MAX_SERVERS"),
      summaryRefreshMs: int(v, "CELL_SUMMARY_REFRESH_MS"),
      replication: { replicas: int(v, "REDIS_CLUSTER_WAIT_REPLICAS"), timeoutMs: int(v, "REDIS_CLUSTER_WAIT_MS") },
      log,
      eventHistory,
      eventFlushMs: int(v, "EVENT_FLUSH_MS"),
    });
  }
  if (url) {
    return new RedisStore({
      redis: url,
      keyPrefix: str(v, "REDIS_KEY_PREFIX"),
      commandTimeoutMs: int(v, "REDIS_COMMAND_TIMEOUT_MS"),
      reconnectMaxDelayMs: int(v, "REDIS_RECONNECT_MAX_MS"),
      autoPipelining: bool(v, "REDIS_AUTO_PIPELINING"),
      log,
      eventHistory,
      eventFlushMs: int(v, "EVENT_FLUSH_MS"),
    });
  }
  if (!embeddedAllowed) throw new ConfigError("REDIS_URL is required when components run as separate processes");
  return new MemoryStore({ eventHistory });
}

/** The join-token secrets: JOIN_TOKEN_SECRETS (kid:secret,…; the first signs), else ROOMGATE_SECRET. */
export function joinTokens(v: Values, generateIfMissing: boolean): JoinTokens {
  const list = str(v, "JOIN_TOKEN_SECRETS");
  const one = str(v, "ROOMGATE_SECRET");
  let keys: string | SigningKey[];
  if (list) {
    if (one) throw new ConfigError("set JOIN_TOKEN_SECRETS or ROOMGATE_SECRET, not both");
    try {
      keys = parseSigningKeys(list);
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
  } else if (one) {
    keys = one;
  } else if (generateIfMissing) {
    keys = randomBytes(32).toString("base64url");
  } else {
    throw new ConfigError(
      "ROOMGATE_SECRET is required, or JOIN_TOKEN_SECRETS (the same on every Gateway and game server)",
    );
  }
  try {
    return new JoinTokens(keys);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

/** ADMIN_TOKEN, held to its minimum length; `up` makes one when it is unset, a Gateway goes without. */
export function adminToken(v: Values, generateIfMissing: boolean): string | undefined {
  const t = str(v, "ADMIN_TOKEN");
  if (t !== undefined) {
    if (t.length < MIN_ADMIN_TOKEN_CHARS)
      throw new ConfigError(`ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_CHARS} characters`);
    return t;
  }
  return generateIfMissing ? randomBytes(24).toString("base64url") : undefined;
}

function placementStrategy(v: Values): PlacementStrategy {
  const s = str(v, "PLACEMENT_STRATEGY") ?? "distributed";
  if (!(PLACEMENT_STRATEGIES as readonly string[]).includes(s))
    throw new ConfigError(`PLACEMENT_STRATEGY must be ${PLACEMENT_STRATEGIES.join(" or ")}, got '${s}'`);
  return s as PlacementStrategy;
}

/** What the Managers and the Gateways place rooms with: one set of settings, read alike by both. */
function placementSettings(v: Values): PlacementSettings {
  return {
    strategy: placementStrategy(v),
    openRoomTimeoutMs: int(v, "OPEN_ROOM_TIMEOUT_MS"),
    idempotencyTtlMs: int(v, "IDEMPOTENCY_TTL_MS"),
  };
}

export async function startManager(v: Values, store: RoomStore, log: Logger, operatorToken = adminToken(v, false)) {
  checkManagerExposure(v, log);
  const autoscaling = autoscalingSettings(v);
  const place = placementSettings(v);
  const m = buildManager({
    store,
    log,
    missedReports: int(v, "MISSED_REPORTS"),
    heartbeatSlackMs: int(v, "HEARTBEAT_SLACK_MS"),
    fenceMarginMs: bool(v, "FENCING") ? int(v, "FENCE_MARGIN_MS") : undefined,
    crashProbeMs: int(v, "CRASH_PROBE_MS"),
    loadBatchMs: int(v, "LOAD_REPORT_BATCH_MS"),
    openRoomTimeoutMs: place.openRoomTimeoutMs,
    idempotencyTtlMs: place.idempotencyTtlMs,
    placementStrategy: place.strategy,
    migrationTimeoutMs: int(v, "MIGRATION_TIMEOUT_MS"),
    maxSnapshotBytes: int(v, "MANAGER_MAX_SNAPSHOT_BYTES"),
    sweepIntervalMs: int(v, "SWEEP_INTERVAL_MS"),
    storeReconnectMaxMs: int(v, "REDIS_RECONNECT_MAX_MS"),
    managerId: str(v, "MANAGER_ID"),
    credentials: serverCredentials(v),
    // Only client certificates name their holder: roles need mutual TLS.
    trustDomain: mutualTlsEnabled(v) ? str(v, "INTERNAL_TLS_TRUST_DOMAIN") : undefined,
    adminToken: operatorToken,
    storeReachable: storeReachable(store),
  });
  const port = await m.listen(str(v, "MANAGER_HOST")!, int(v, "MANAGER_PORT"));
  registerComponent("manager");
  const unready = addReadinessCheck("manager", () => (m.health.serving ? undefined : "store unreachable"));
  // Its game servers stop (drain) while this Manager still serves them.
  const scaler = autoscaling && startAutoscaling(v, autoscaling, store, m.manager.id, port, log.child("autoscaler"));
  log.info("ready", {
    component: "manager",
    host: str(v, "MANAGER_HOST"),
    port,
    tls: internalTlsEnabled(v),
    roles: mutualTlsEnabled(v),
    operatorToken: !!operatorToken,
  });
  return {
    port,
    stop: async () => {
      unready();
      await scaler?.stop();
      await m.close(int(v, "SHUTDOWN_TIMEOUT_MS"));
    },
  };
}

function regionGateways(v: Values) {
  try {
    return parseRegionGateways(str(v, "REGION_GATEWAYS") ?? "");
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

export async function startGateway(
  v: Values,
  store: RoomStore,
  managerAddress: string,
  tokens: JoinTokens,
  log: Logger,
  operatorToken = adminToken(v, false),
) {
  const managers = new GrpcRoomAllocator({
    managerAddress,
    timeoutMs: int(v, "ALLOCATE_TIMEOUT_MS"),
    credentials: channelCredentials(v),
  });
  const allocator = bool(v, "GATEWAY_PLACES_ROOMS")
    ? new StorePlacement({ store, managers, settings: placementSettings(v), log })
    : managers;
  const cert = str(v, "GATEWAY_TLS_CERT");
  const key = str(v, "GATEWAY_TLS_KEY");
  if (!!cert !== !!key) throw new ConfigError("GATEWAY_TLS_CERT and GATEWAY_TLS_KEY go together");
  const gw = buildGateway({
    store,
    allocator,
    tokens,
    joinTokenTtlMs: int(v, "JOIN_TOKEN_TTL_MS"),
    defaultMaxPlayers: int(v, "ROOM_DEFAULT_MAX_PLAYERS"),
    maxPlayersLimit: int(v, "ROOM_MAX_PLAYERS_LIMIT"),
    rejoinWindowMs: int(v, "REJOIN_WINDOW_MS"),
    sessionMaxMs: int(v, "SESSION_MAX_MS"),
    playerAuth: playerAuth(v),
    region: str(v, "GATEWAY_REGION") ?? "",
    regionGateways: regionGateways(v),
    quickJoinSlackMs: int(v, "QUICKJOIN_RTT_SLACK_MS"),
    openWaitMs: int(v, "ALLOCATE_TIMEOUT_MS"),
    log,
    tls: cert && key ? { certFile: cert, keyFile: key } : undefined,
    corsOrigins: (str(v, "GATEWAY_CORS_ORIGINS") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    // dist/cli/components.js -> <repo>/web/dist
    webDir: str(v, "GATEWAY_WEB_DIR") ?? resolve(__dirname, "..", "..", "web", "dist"),
    limits: gatewayClientLimits(v),
    // Counted in the Redis every Gateway shares; the embedded store's one process counts in memory.
    limiterStore: {
      redis: store instanceof RedisStore || store instanceof CellStore ? store.redis : undefined,
      keyPrefix: str(v, "REDIS_KEY_PREFIX")!,
    },
    caps: gatewayClientCaps(v),
    trustedProxyHops: gatewayTrustedProxyHops(v),
    timeouts: gatewayTimeouts(v),
    maxConcurrentStreams: gatewayMaxConcurrentStreams(v),
    adminToken: operatorToken,
  });
  const port = await gw.listen(str(v, "GATEWAY_HOST")!, int(v, "GATEWAY_PORT"));
  registerComponent("gateway");
  exportRefusals("gateway");
  const reachable = storeReachable(store);
  managers.managerReachable(); // connects now, so the first probe need not wait for a first call
  const unready = addReadinessCheck("gateway", () =>
    !reachable() ? "store unreachable" : !managers.managerReachable() ? "no Manager reachable" : undefined,
  );
  if (!operatorToken) log.info("no ADMIN_TOKEN: WatchCluster and the dashboard are off");
  log.info("ready", {
    component: "gateway",
    port,
    tls: !!cert,
    admin: !!operatorToken,
    playerAuth: str(v, "AUTH_JWKS_URL") ? "jwks" : str(v, "AUTH_JWT_SECRET") ? "hs256" : "anonymous",
  });
  return {
    port,
    stop: async () => {
      unready();
      await gw.close(int(v, "SHUTDOWN_TIMEOUT_MS"));
      allocator.close();
    },
  };
}

/** Register.labels' max_pairs in manager.proto. */
const MAX_SERVER_LABELS = 16;

/** GAMESERVER_ROOMS as definitions; a module that does not load is a configuration error. */
async function roomModule(v: Values) {
  try {
    return await loadRoomModule(str(v, "GAMESERVER_ROOMS"));
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

export function drainMode(v: Values): DrainMode {
  const mode = str(v, "DRAIN_MODE") ?? "migrate";
  if (!DRAIN_MODES.includes(mode as DrainMode))
    throw new ConfigError(`DRAIN_MODE must be ${DRAIN_MODES.join(" or ")}, got '${mode}'`);
  return mode as DrainMode;
}

/**
 * How long a game server's drain may add to a shutdown: a finish-mode drain waits up to
 * DRAIN_TIMEOUT_MS for its rooms before it hands the rest over (0 for other components).
 */
export function drainAllowanceMs(v: Values): number {
  return v.DRAIN_MODE !== undefined && drainMode(v) === "finish" ? int(v, "DRAIN_TIMEOUT_MS") : 0;
}

/** `onDrainRequested`: what the Manager's drain command does; by default the server drains and stops alone. */
export async function startOneGameServer(
  v: Values,
  port: number,
  managerAddress: string,
  tokens: JoinTokens,
  spentTokens: SpentTokens,
  /** The store the rest of the deployment uses (with REDIS_URL naming a cluster, the cell store that routes by room id). */
  roomStore: Pick<Rooms, "deleteRoom" | "openRoomOnToken"> &
    Pick<Seats, "setRoomPlayers"> &
    Pick<ClusterEvents, "publishEvent"> &
    Pick<Liveness, "recordOwnLoad">,
  log: Logger,
  id?: string,
  onDrainRequested?: () => void,
) {
  // A stopped server is no longer this process's concern: `up` goes on with the other one.
  let unready = () => {};
  const labels = parseLabels(str(v, "GAMESERVER_LABELS") ?? "", "GAMESERVER_LABELS");
  const rooms = await roomModule(v);
  // Each room type is advertised as a label, and Register takes 16 at most.
  if (Object.keys(labels).length + rooms.length > MAX_SERVER_LABELS)
    throw new ConfigError(
      `GAMESERVER_LABELS (${Object.keys(labels).length}) and the room types of GAMESERVER_ROOMS (${rooms.length}) make more than ${MAX_SERVER_LABELS} labels`,
    );
  const gs = await startGameServer({
    id: id === undefined ? undefined : checkServerId(id, "GAMESERVER_ID"),
    host: str(v, "GAMESERVER_HOST")!,
    port,
    publicAddress: str(v, "GAMESERVER_PUBLIC_ADDRESS"),
    region: str(v, "GAMESERVER_REGION")!,
    zone: str(v, "GAMESERVER_ZONE") ?? "",
    labels,
    rooms,
    managerAddress,
    credentials: channelCredentials(v),
    tokens,
    spentTokens,
    roomStore: bool(v, "REMOVE_ENDED_ROOMS") ? roomStore : undefined,
    roomRecords: bool(v, "WRITE_ROOM_RECORDS") ? roomStore : undefined,
    // Not on a Redis Cluster yet: there the chaos suite's master SIGKILL saw a room run twice in 2 of
    // 9 runs with servers writing their reports (0 of 4 without); until that is understood, their
    // reports go to the Manager.
    loadStore: bool(v, "WRITE_LOAD_REPORTS") && !(roomStore instanceof CellStore) ? roomStore : undefined,
    reportIntervalMs: int(v, "REPORT_INTERVAL_MS"),
    storeOutageGraceMs: int(v, "STORE_OUTAGE_GRACE_MS"),
    maxRooms: int(v, "GAMESERVER_CAPACITY"),
    maxPlayers: int(v, "GAMESERVER_MAX_PLAYERS"),
    opensOnToken: bool(v, "OPEN_ON_TOKEN"),
    maxFrameBytes: int(v, "MAX_FRAME_BYTES"),
    maxMessagesPerSecond: int(v, "MAX_MESSAGES_PER_SECOND"),
    maxBytesPerSecond: wsMaxBytesPerSecond(v),
    maxBackpressureBytes: int(v, "MAX_BACKPRESSURE_BYTES"),
    idleTimeoutS: wsIdleTimeoutS(v),
    reconnectGraceMs: int(v, "RECONNECT_GRACE_MS"),
    stateMaxKeys: int(v, "ROOM_STATE_MAX_KEYS"),
    stateMaxBytes: int(v, "ROOM_STATE_MAX_BYTES"),
    stateMaxKeyChars: int(v, "ROOM_STATE_MAX_KEY_CHARS"),
    snapshotIntervalMs: int(v, "SNAPSHOT_INTERVAL_MS"),
    snapshotMaxBytes: int(v, "SNAPSHOT_MAX_BYTES"),
    migrationGraceMs: int(v, "MIGRATION_GRACE_MS"),
    rejoinGraceMs: int(v, "REJOIN_GRACE_MS"),
    drainMode: drainMode(v),
    drainTimeoutMs: int(v, "DRAIN_TIMEOUT_MS"),
    onDrainRequested,
    onStopped: () => unready(),
    log,
  });
  registerComponent("gameserver");
  exportRefusals("gameserver");
  unready = addReadinessCheck(`gameserver ${gs.id}`, () =>
    gs.host.draining ? "draining" : !gs.link.isRegistered ? "not attached to a Manager" : undefined,
  );
  log.info("ready", { component: "gameserver", port: gs.port, serverId: gs.id, address: gs.address });
  return { port: gs.port, id: gs.id, address: gs.address, stop: () => gs.shutdown(int(v, "SHUTDOWN_TIMEOUT_MS")) };
}
