import type { GameServer, GameServerState } from "../../gen/roomgate/v1/common_pb.js";
import type { Labels } from "./placement.js";

// The server registry (who serves where, with what capacity) and liveness (servers' reports,
// Managers' heartbeats, and removing the servers that stopped reporting).

export interface ServerRegistration {
  id: string;
  address: string;
  region: string;
  /** "" for none; also counts as the label "zone". */
  zone: string;
  labels: Labels;
  maxRooms: number;
  maxPlayers: number;
  reportIntervalMs: number;
  /** The Manager that holds the server's Attach stream. */
  managerId: string;
  nowMs: number;
  /** When the server counts as dead unless it reports again (see recordLoad). */
  expiresAtMs: number;
  /** It opens new rooms on their first join token (Register.opens_on_token); default false. */
  opensOnToken?: boolean;
  /**
   * The epoch to give it, from a counter wider than this store's (a cell store's, over every
   * cell); absent: the store's own counter. Never one the server had: at least its last plus one.
   */
  epoch?: number;
}

/** A server as of one registration: calls naming an epoch change nothing once it re-registered. */
export interface ServerEpoch {
  id: string;
  epoch: number;
}

export interface ServerRegistry {
  /** Creates or refreshes a server as LIVE, bumps its epoch, keeps its reservations. */
  registerServer(reg: ServerRegistration): Promise<{ epoch: number; roomIds: string[] }>;
  getServer(id: string): Promise<GameServer | undefined>;
  listServers(): Promise<GameServer[]>;
  /** Changes state only while the server is still in the given epoch. */
  setServerState(s: ServerEpoch & { state: GameServerState }): Promise<boolean>;
  /** The rooms mapped to the server. */
  listServerRooms(serverId: string): Promise<string[]>;
}

export interface LoadReport extends ServerEpoch {
  players: number;
  nowMs: number;
  /** When the server counts as dead unless it reports again. */
  expiresAtMs: number;
  /** CPU its logic rooms used (see RoomCpu in manager.proto); kept on those rooms still on this server. */
  roomCpu?: RoomCpuReport[];
}

/**
 * A load report a server wrote itself (docs/protocol.md, Reports to the store): it gives only its
 * deadline, and the store stamps it with the store's own clock, so no server's clock decides
 * when it dies.
 */
export interface OwnLoadReport extends ServerEpoch {
  players: number;
  /** The server counts as dead this long after the store recorded the report, unless it reports again. */
  deadlineMs: number;
  roomCpu?: RoomCpuReport[];
}

/**
 * What the store made of a server's own report: recorded; recorded, but the Manager holding the
 * server's stream has stopped its heartbeat (it lost the store: the server should go to another);
 * or refused, the epoch not current.
 */
export type OwnLoadAnswer = "recorded" | "unheard" | "stale";

export interface RoomCpuReport {
  roomId: string;
  cpuSeconds: number;
  /** Share of one core since the server's previous report. */
  load: number;
}

export interface RemovedServer {
  /** Rooms that now wait to move to another server (state MOVING, claimable at once). */
  moving: string[];
  /** Rooms that were never confirmed open; removed outright. */
  dropped: string[];
}

export interface Liveness {
  /** A report arrived: records it and pushes the server's death to expiresAtMs. False when the epoch is not current. */
  recordLoad(report: LoadReport): Promise<boolean>;
  /**
   * Several servers' reports in one store call (a Manager batches what arrives within a few
   * milliseconds): for each, what recordLoad does and answers, in order.
   */
  recordLoads(reports: readonly LoadReport[]): Promise<boolean[]>;
  /** A report the server wrote itself: recordLoad's work on the store's clock, and whether its Manager is heard. */
  recordOwnLoad(report: OwnLoadReport): Promise<OwnLoadAnswer>;
  /** Servers whose expiry has passed, oldest first: O(log n) in the number of servers, not a scan. */
  expiredServers(q: { nowMs: number; limit: number }): Promise<ServerEpoch[]>;
  /**
   * Deletes a server if it is still in the given epoch (a server that re-registered meanwhile is
   * left alone). Its open rooms become MOVING; rooms never confirmed are removed. Undefined when
   * the epoch did not match, so of several Managers exactly one does the work.
   */
  removeServer(s: ServerEpoch & { nowMs: number }): Promise<RemovedServer | undefined>;
  /**
   * Says this Manager is alive for ttlMs more (0: it is leaving). Servers whose stream is held by a
   * Manager that stopped saying so get no new rooms: nobody could tell them.
   */
  heartbeat(h: { managerId: string; nowMs: number; ttlMs: number }): Promise<void>;
}
