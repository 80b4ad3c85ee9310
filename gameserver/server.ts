import type { ChannelCredentials } from "@grpc/grpc-js";
import { hostname } from "node:os";
import type { Logger } from "../common/log.js";
import type { SpentTokens } from "../common/store/tokens.js";
import type { JoinTokens } from "../common/token.js";
import type { AnyRoomDefinition } from "../rooms/index.js";
import type { RoomLimits } from "./limits.js";
import { ManagerLink } from "./manager-link.js";
import { type DrainMode, RoomHost } from "./room-host.js";
import { advertisedLabels } from "./room-module.js";
import { RoomCleanup, type RoomCleanupStore } from "./room-cleanup.js";
import { RoomRecords, type RoomRecordsStore } from "./room-records.js";
import { LoadWriter, type LoadWriterStore } from "./load-writer.js";
import { WsServer } from "./ws-server.js";
import { exportServerStats } from "./metrics.js";

// A game server, wired in one place: the RoomHost (its rooms), the WebSocket layer that feeds
// it, and the Manager link that drives it and subscribes to its room events.

export interface GameServerOptions extends RoomLimits {
  id?: string;
  host: string;
  port: number;
  /** WebSocket base URL clients use; default ws://127.0.0.1:{bound port}. */
  publicAddress?: string;
  region: string;
  zone: string;
  labels: Record<string, string>;
  /** Room types this server runs besides relay (GAMESERVER_ROOMS); each is advertised as the label room-type/<type>. */
  rooms?: readonly AnyRoomDefinition[];
  managerAddress: string;
  /** TLS for the link to the Manager (INTERNAL_TLS_*: common/grpc-credentials.ts); cleartext when absent. */
  credentials?: ChannelCredentials;
  /** Checks join tokens: every secret of JOIN_TOKEN_SECRETS (or ROOMGATE_SECRET). */
  tokens: JoinTokens;
  /** Where join tokens' ids are spent: the store every game server shares. */
  spentTokens: SpentTokens;
  /**
   * Where rooms that end here are removed at once (REMOVE_ENDED_ROOMS): the same store, seen
   * through the one call this needs. Absent: the Manager removes them when it hears `closed`.
   */
  roomStore?: RoomCleanupStore;
  /**
   * Where rooms opened here on a token are recorded (WRITE_ROOM_RECORDS): their first token's use,
   * and their seat counts (room-records.ts). Absent: the Manager records them when it hears
   * `opened` and `players`.
   */
  roomRecords?: RoomRecordsStore;
  /**
   * Where this server writes its own load reports (WRITE_LOAD_REPORTS, load-writer.ts). Absent:
   * every report goes to the Manager.
   */
  loadStore?: LoadWriterStore;
  reportIntervalMs: number;
  /** STORE_OUTAGE_GRACE_MS: how long Managers' store-down answers keep this server's rooms running (default 60 s). */
  storeOutageGraceMs?: number;
  /** Open new rooms on their first join token (OPEN_ON_TOKEN); default true. */
  opensOnToken?: boolean;
  maxBackpressureBytes: number;
  idleTimeoutS: number;
  /** How a drain (SIGTERM, or the Manager's drain command) ends the rooms: see RoomHost.drain. */
  drainMode: DrainMode;
  /** How long a finish-mode drain lets rooms play on before it migrates the rest. */
  drainTimeoutMs: number;
  /** How often rooms that changed send the Manager a snapshot; 0 sends one only when a room is handed over. */
  snapshotIntervalMs: number;
  /**
   * The Manager asked this server to drain. By default the server drains and stops on its own; a
   * process that runs just this server passes its own shutdown, so it drains and exits as on SIGTERM.
   */
  onDrainRequested?: () => void;
  /** Called once the server has stopped (after a drain, whoever asked for it). */
  onStopped?: () => void;
  log: Logger;
}

export interface GameServer {
  readonly id: string;
  readonly port: number;
  readonly address: string;
  readonly host: RoomHost;
  readonly link: ManagerLink;
  /**
   * Drains: stops taking rooms and players, tells the Manager, hands every room over (at once, or
   * once it has played out, per drainMode; players are closed with 4002 and rejoin through the
   * Gateway), then ends the Manager stream once it has everything. `timeoutMs` bounds that last
   * step. Calling it again returns the same promise.
   */
  shutdown(timeoutMs?: number): Promise<void>;
}

/** Listens, then registers with the Manager. Resolves once listening (registration goes on). */
export async function startGameServer(o: GameServerOptions): Promise<GameServer> {
  let serverId = o.id ?? "";
  const host = new RoomHost("", o, o.log, Date.now, o.rooms);
  const records = o.roomRecords && new RoomRecords(o.roomRecords, host, o.log);
  const ws = new WsServer({
    host,
    tokens: o.tokens,
    spentTokens: o.spentTokens,
    records,
    log: o.log,
    maxFrameBytes: o.maxFrameBytes,
    maxBackpressureBytes: o.maxBackpressureBytes,
    idleTimeoutS: o.idleTimeoutS,
  });
  host.fanout = ws;
  const port = await ws.listen(o.host, o.port);
  const unexport = exportServerStats(host);
  if (!serverId) serverId = `${hostname()}-${port}`;
  host.serverId = serverId;
  const address = o.publicAddress ?? `ws://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  const shutdown = (timeoutMs = 10_000) =>
    (stopped ??= (async () => {
      o.log.info("game server draining", { serverId, mode: o.drainMode, rooms: host.stats.rooms });
      // The Manager hears it first, so it places nothing here while the rooms are handed over.
      link.draining();
      await host.drain(o.drainMode, o.drainTimeoutMs);
      clearInterval(snapshots);
      ws.stopListening();
      // A room that closed while its first token was being recorded has its `closed` still to go.
      await records?.settled();
      await link.stop(timeoutMs);
      ws.closeAll();
      unexport();
      o.onStopped?.();
      o.log.info("game server stopped", { serverId });
    })());
  const link = new ManagerLink({
    managerAddress: o.managerAddress,
    credentials: o.credentials,
    host,
    registration: {
      serverId,
      address,
      region: o.region,
      zone: o.zone,
      labels: advertisedLabels(o.labels, o.rooms ?? []),
      maxRooms: o.maxRooms,
      maxPlayers: o.maxPlayers,
      reportIntervalMs: o.reportIntervalMs,
      // The port this process listens on: refused once the process is gone (a crash, not a partition).
      probePort: port,
      opensOnToken: o.opensOnToken ?? true,
    },
    log: o.log,
    cleanup: o.roomStore && new RoomCleanup(o.roomStore, serverId, o.log),
    loads: o.loadStore && new LoadWriter(o.loadStore, serverId, o.log),
    storeOutageGraceMs: o.storeOutageGraceMs ?? 60_000,
    onDrain: () => (o.onDrainRequested ? o.onDrainRequested() : void shutdown()),
  });
  // The one place the host's room events reach the Manager: the link depends on the host, never
  // back. Through the records, when this server records its rooms: they pass on what they do not write.
  if (records) {
    records.subscribe(link);
    host.subscribe(records);
  } else host.subscribe(link);
  // Snapshots taken while no Manager listens would be lost: the rooms stay dirty until one does.
  const snapshots =
    o.snapshotIntervalMs > 0
      ? setInterval(() => link.isRegistered && host.takeSnapshots(), o.snapshotIntervalMs)
      : undefined;
  link.start();
  o.log.info("game server listening", {
    serverId,
    port,
    address,
    region: o.region,
    roomTypes: ["relay", ...(o.rooms ?? []).map((d) => d.type)],
  });
  return { id: serverId, port, address, host, link, shutdown };
}
