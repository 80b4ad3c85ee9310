import { createHash } from "node:crypto";
import { Redis, type RedisOptions } from "ioredis";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type GameServer,
  GameServerSchema,
  GameServerState,
  type Room,
  RoomSchema,
  type RoomState,
  type RoomVisibility,
} from "../../gen/roomgate/v1/common_pb.js";
import { type ClusterEvent, ClusterEventSchema } from "../../gen/roomgate/v1/gateway_pb.js";
import * as lua from "./redis-scripts.js";
import { type ConnectionLimits, failFastOptions, superviseConnection } from "./redis-connection.js";
import type { Logger } from "../log.js";
import {
  type AllocateInput,
  type AllocateResult,
  canonicalLabels,
  type HoldResult,
  type Labels,
  listCursor,
  type MoveResult,
  parseListCursor,
  type Placement,
  type QuickJoin,
  quickJoinKey,
  type RemovedServer,
  type RoomQuery,
  type RoomStore,
  type SeatRequest,
  type ServerRegistration,
  serverLabels,
} from "./store.js";

// Per-room and per-server keys (never one hash of all rooms), so no operation grows with the
// number of rooms in the cluster:
//   {prefix}room:{roomId}          hash   where the room lives
//   {prefix}server:{id}            hash   address, capacity, reservations, state, epoch
//   {prefix}server:{id}:rooms      set    rooms mapped to the server
//   {prefix}servers                set    server ids
//   {prefix}expiry                 zset   server ids by when they count as dead without a report
//   {prefix}mgr:{managerId}        string present while that Manager is alive (expires)
//   {prefix}idem:{requestId}       string room id, expires
//   {prefix}snap:{roomId}          string the room's last snapshot (RoomSnapshot, binary)
//   {prefix}opening                zset   OPENING rooms by the time another Manager may reclaim them
//   {prefix}moving                 zset   MOVING rooms by the time their move may be claimed
//   {prefix}events                 pub/sub channel of ClusterEvent (protobuf binary)
//   {prefix}bus                    pub/sub channel of ManagerBusMessage (protobuf binary)
// and the placement, seat and listing indexes described in redis-scripts.ts.

interface Scripts {
  rgAllocate(roomKey: string, idemKey: string, ...args: (string | number)[]): Promise<[string, string[]]>;
  rgDeleteRoom(roomKey: string, ...args: string[]): Promise<number>;
  rgRegister(serverKey: string, roomsKey: string, setKey: string, expiryKey: string, ...args: (string | number)[]): Promise<[number, string[]]>;
  rgRecordLoad(serverKey: string, expiryKey: string, ...args: (string | number)[]): Promise<number>;
  rgSetState(serverKey: string, ...args: (string | number)[]): Promise<number>;
  rgRemoveServer(serverKey: string, roomsKey: string, setKey: string, expiryKey: string, ...args: (string | number)[]): Promise<[string[], string[]] | null>;
  rgSetRoomPlayers(roomKey: string, ...args: (string | number)[]): Promise<number>;
  rgHoldSeat(roomKey: string, ...args: (string | number)[]): Promise<[string, string[]]>;
  rgJoinPublic(...args: (string | number)[]): Promise<string[] | null>;
  rgListPage(listKey: string, ...args: (string | number)[]): Promise<string[]>;
  rgConfirm(roomKey: string, ...args: string[]): Promise<number>;
  rgClaim(zsetKey: string, nowMs: number, leaseMs: number, limit: number): Promise<string[]>;
  rgSaveSnapshot(roomKey: string, snapKey: string, serverId: string, snapshot: Buffer): Promise<number>;
  rgHandOver(roomKey: string, ...args: (string | number | Buffer)[]): Promise<number>;
  rgMoveRoom(roomKey: string, ...args: (string | number)[]): Promise<[string, string[] | string]>;
  rgFinishMove(roomKey: string, ...args: string[]): Promise<number>;
}

export interface RedisStoreOptions extends ConnectionLimits {
  /** An existing client (used as it is configured), or a URL / options to make one. */
  redis: Redis | string | RedisOptions;
  keyPrefix?: string;
  /** Where losing and regaining the connection is logged. */
  log?: Logger;
}

export class RedisStore implements RoomStore {
  readonly redis: Redis;
  private readonly prefix: string;
  private readonly ownsClient: boolean;
  private subscriber?: Promise<Redis>;
  private readonly log?: Logger;
  private readonly listeners = new Set<(e: ClusterEvent) => void>();
  private readonly busListeners = new Set<(m: Uint8Array) => void>();

  constructor(options: RedisStoreOptions) {
    this.prefix = options.keyPrefix ?? "rg:";
    this.log = options.log;
    if (options.redis instanceof Redis) {
      this.redis = options.redis;
      this.ownsClient = false;
    } else {
      // Commands fail fast while Redis is unreachable (callers turn that into `unavailable`) and
      // the client reconnects in the background: see redis-connection.ts.
      const defaults = failFastOptions(options);
      this.redis =
        typeof options.redis === "string" ? new Redis(options.redis, defaults) : new Redis({ ...defaults, ...options.redis });
      this.ownsClient = true;
      superviseConnection(this.redis, this.log, "commands");
    }
    this.redis.defineCommand("rgAllocate", { numberOfKeys: 2, lua: lua.ALLOCATE });
    this.redis.defineCommand("rgDeleteRoom", { numberOfKeys: 1, lua: lua.DELETE_ROOM });
    this.redis.defineCommand("rgRegister", { numberOfKeys: 4, lua: lua.REGISTER });
    this.redis.defineCommand("rgRecordLoad", { numberOfKeys: 2, lua: lua.RECORD_LOAD });
    this.redis.defineCommand("rgSetState", { numberOfKeys: 1, lua: lua.SET_STATE });
    this.redis.defineCommand("rgRemoveServer", { numberOfKeys: 4, lua: lua.REMOVE_SERVER });
    this.redis.defineCommand("rgSetRoomPlayers", { numberOfKeys: 1, lua: lua.SET_ROOM_PLAYERS });
    this.redis.defineCommand("rgHoldSeat", { numberOfKeys: 1, lua: lua.HOLD_SEAT });
    this.redis.defineCommand("rgJoinPublic", { numberOfKeys: 0, lua: lua.JOIN_PUBLIC });
    this.redis.defineCommand("rgListPage", { numberOfKeys: 1, lua: lua.LIST_PAGE });
    this.redis.defineCommand("rgConfirm", { numberOfKeys: 1, lua: lua.CONFIRM });
    this.redis.defineCommand("rgClaim", { numberOfKeys: 1, lua: lua.CLAIM });
    this.redis.defineCommand("rgSaveSnapshot", { numberOfKeys: 2, lua: lua.SAVE_SNAPSHOT });
    this.redis.defineCommand("rgHandOver", { numberOfKeys: 1, lua: lua.HAND_OVER });
    this.redis.defineCommand("rgMoveRoom", { numberOfKeys: 1, lua: lua.MOVE_ROOM });
    this.redis.defineCommand("rgFinishMove", { numberOfKeys: 1, lua: lua.FINISH_MOVE });
  }

  private get scripts(): Scripts {
    return this.redis as unknown as Scripts;
  }

  private roomKey(id: string) {
    return `${this.prefix}room:${id}`;
  }
  private serverKey(id: string) {
    return `${this.prefix}server:${id}`;
  }
  private serverRoomsKey(id: string) {
    return `${this.prefix}server:${id}:rooms`;
  }
  private get expiryKey() {
    return `${this.prefix}expiry`;
  }
  private get serversKey() {
    return `${this.prefix}servers`;
  }

  async registerServer(reg: ServerRegistration) {
    const pool = canonicalLabels(serverLabels(reg.labels, reg.zone));
    const [epoch, roomIds] = await this.scripts.rgRegister(
      this.serverKey(reg.id), this.serverRoomsKey(reg.id), this.serversKey, this.expiryKey,
      this.prefix, reg.id, reg.address, reg.region, reg.maxRooms, reg.maxPlayers, reg.reportIntervalMs, reg.nowMs, GameServerState.LIVE, reg.managerId,
      reg.expiresAtMs, reg.zone, canonicalLabels(reg.labels), shortHash(pool), pool,
    );
    return { epoch: Number(epoch), roomIds };
  }

  async getServer(id: string) {
    const h = await this.redis.hgetall(this.serverKey(id));
    return h.id ? serverFromHash(h) : undefined;
  }

  async listServers() {
    const ids = await this.redis.smembers(this.serversKey);
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.serverKey(id));
    const rows = (await pipe.exec()) ?? [];
    const out: GameServer[] = [];
    for (const [err, h] of rows) {
      if (err) throw err;
      const hash = h as Record<string, string>;
      if (hash.id) out.push(serverFromHash(hash));
    }
    return out;
  }

  async setServerState(id: string, epoch: number, state: GameServerState) {
    return (await this.scripts.rgSetState(this.serverKey(id), this.prefix, id, epoch, state)) === 1;
  }

  async recordLoad(id: string, epoch: number, players: number, nowMs: number, expiresAtMs: number) {
    return (await this.scripts.rgRecordLoad(this.serverKey(id), this.expiryKey, id, epoch, players, nowMs, expiresAtMs)) === 1;
  }

  async expiredServers(nowMs: number, limit: number) {
    const ids = await this.redis.zrangebyscore(this.expiryKey, "-inf", nowMs, "LIMIT", 0, limit);
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hget(this.serverKey(id), "epoch");
    const rows = (await pipe.exec()) ?? [];
    return ids.map((id, i) => ({ id, epoch: Number(rows[i]?.[1] ?? 0) }));
  }

  async removeServer(id: string, epoch: number, nowMs: number): Promise<RemovedServer | undefined> {
    const r = await this.scripts.rgRemoveServer(this.serverKey(id), this.serverRoomsKey(id), this.serversKey, this.expiryKey, this.prefix, id, epoch, nowMs);
    return r ? { moving: r[0], dropped: r[1] } : undefined;
  }

  async allocateRoom(input: AllocateInput): Promise<AllocateResult> {
    const [kind, hash] = await this.scripts.rgAllocate(
      this.roomKey(input.roomId), `${this.prefix}idem:${input.requestId ?? ""}`,
      this.prefix, input.roomId, input.seats, input.nowMs, input.creatorPlayerId,
      input.requestId ? "1" : "0", input.idempotencyTtlMs, JSON.stringify(input.regions), input.strategy, input.openDeadlineMs,
      canonicalLabels(input.labels), input.visibility, input.mode, canonicalLabels(input.metadata),
      shortHash(quickJoinKey(input.mode, input.seats, input.labels)), input.holdUntilMs, ...input.excluded,
    );
    switch (kind) {
      case "created":
      case "existing":
        return { kind, room: roomFromHash(pairsToHash(hash)) };
      case "full":
      case "none":
      case "collision":
        return { kind };
      default:
        throw new Error(`unexpected allocation result ${kind}`);
    }
  }

  async confirmRoom(roomId: string, serverId: string, nowMs: number) {
    return (await this.scripts.rgConfirm(this.roomKey(roomId), this.prefix, roomId, serverId, String(nowMs))) === 1;
  }

  async claimExpiredOpening(nowMs: number, leaseMs: number, limit: number) {
    const ids = await this.scripts.rgClaim(`${this.prefix}opening`, nowMs, leaseMs, limit);
    return this.getRooms(ids, nowMs);
  }

  async getRoom(roomId: string, nowMs = Date.now()) {
    return (await this.getRooms([roomId], nowMs))[0];
  }

  /** The rooms that exist, in order, with their free seats (holds still live at nowMs). */
  private async getRooms(ids: string[], nowMs: number): Promise<Room[]> {
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.roomKey(id)).zcount(`${this.prefix}holds:${id}`, `(${nowMs}`, "+inf");
    const rows = (await pipe.exec()) ?? [];
    const out: Room[] = [];
    for (let i = 0; i < ids.length; i++) {
      const [err, h] = rows[2 * i]!;
      const [err2, holds] = rows[2 * i + 1]!;
      if (err || err2) throw err ?? err2;
      const hash = h as Record<string, string>;
      if (!hash.roomId) continue;
      hash.free = String(Math.max(0, num(hash.maxPlayers) - num(hash.players) - Number(holds)));
      out.push(roomFromHash(hash));
    }
    return out;
  }

  async setRoomPlayers(roomId: string, serverId: string, count: number, joinedPlayerIds: string[], nowMs: number) {
    return (await this.scripts.rgSetRoomPlayers(this.roomKey(roomId), this.prefix, roomId, serverId, count, nowMs, ...joinedPlayerIds)) === 1;
  }

  async holdSeat(roomId: string, seat: SeatRequest & { rejoin: boolean }): Promise<HoldResult> {
    const [kind, hash] = await this.scripts.rgHoldSeat(this.roomKey(roomId), this.prefix, roomId, seat.playerId, seat.untilMs, seat.nowMs, seat.rejoin ? "1" : "0");
    switch (kind) {
      case "held":
      case "full":
      case "unavailable":
        return { kind, room: roomFromHash(pairsToHash(hash)) };
      case "missing":
        return { kind };
      default:
        throw new Error(`unexpected hold result ${kind}`);
    }
  }

  async joinPublic(q: QuickJoin) {
    const hash = await this.scripts.rgJoinPublic(this.prefix, shortHash(quickJoinKey(q.mode, q.maxPlayers, q.labels)), q.playerId, q.untilMs, q.nowMs, ...q.regions);
    return hash ? roomFromHash(pairsToHash(hash)) : undefined;
  }

  async listRooms(q: RoomQuery) {
    const key = `${this.prefix}${q.includeFull ? "ls" : "lj"}:${q.mode || "*"}:${q.region || "*"}`;
    const cursor = q.after ? parseListCursor(q.after) : { createdMs: "+inf", roomId: "" };
    const page = await this.scripts.rgListPage(key, this.prefix, q.nowMs, cursor.createdMs, cursor.roomId, q.limit);
    const ids: string[] = [];
    for (let i = 0; i < page.length && ids.length < q.limit; i += 2) ids.push(page[i]!);
    const last = ids.length * 2 - 2;
    const next = page.length > q.limit * 2 ? listCursor(page[last + 1]!, page[last]!) : undefined;
    return { rooms: await this.getRooms(ids, q.nowMs), next };
  }

  async deleteRoom(roomId: string, serverId?: string) {
    return (await this.scripts.rgDeleteRoom(this.roomKey(roomId), this.prefix, roomId, serverId ?? "")) === 1;
  }

  async listServerRooms(serverId: string) {
    return this.redis.smembers(this.serverRoomsKey(serverId));
  }

  async saveSnapshot(roomId: string, serverId: string, snapshot: Uint8Array) {
    return (await this.scripts.rgSaveSnapshot(this.roomKey(roomId), this.snapKey(roomId), serverId, Buffer.from(snapshot))) === 1;
  }

  async getSnapshot(roomId: string) {
    const b = await this.redis.getBuffer(this.snapKey(roomId));
    return b ? new Uint8Array(b) : undefined;
  }

  async handOver(roomId: string, serverId: string, snapshot: Uint8Array | undefined, nowMs: number, leaseMs: number) {
    const snap = snapshot ? Buffer.from(snapshot) : "";
    const r = await this.scripts.rgHandOver(this.roomKey(roomId), this.prefix, roomId, serverId, snapshot ? "1" : "0", snap, nowMs, leaseMs);
    return r === 1;
  }

  async claimMoving(nowMs: number, leaseMs: number, limit: number) {
    return this.scripts.rgClaim(`${this.prefix}moving`, nowMs, leaseMs, limit);
  }

  async moveRoom(roomId: string, p: Omit<Placement, "seats" | "regions" | "labels">): Promise<MoveResult> {
    const [kind, data] = await this.scripts.rgMoveRoom(this.roomKey(roomId), this.prefix, roomId, p.strategy, p.nowMs, ...p.excluded);
    switch (kind) {
      case "placed":
        return { kind, room: roomFromHash(pairsToHash(data as string[])) };
      case "full":
      case "none":
        return { kind, movingSinceMs: Number(data) };
      case "gone":
        return { kind };
      default:
        throw new Error(`unexpected move result ${kind}`);
    }
  }

  async finishMove(roomId: string, serverId: string, nowMs: number) {
    return (await this.scripts.rgFinishMove(this.roomKey(roomId), this.prefix, roomId, serverId, String(nowMs))) === 1;
  }

  async deferMove(roomId: string, untilMs: number) {
    await this.redis.zadd(`${this.prefix}moving`, "XX", untilMs, roomId);
  }

  async heartbeat(managerId: string, _nowMs: number, ttlMs: number) {
    const key = `${this.prefix}mgr:${managerId}`;
    if (ttlMs > 0) await this.redis.set(key, "1", "PX", ttlMs);
    else await this.redis.del(key);
  }

  async publishBus(message: Uint8Array) {
    await this.redis.publish(this.busChannel, Buffer.from(message));
  }

  async subscribeBus(listener: (m: Uint8Array) => void) {
    await this.subscribed();
    this.busListeners.add(listener);
    return () => {
      this.busListeners.delete(listener);
    };
  }

  private snapKey(roomId: string) {
    return `${this.prefix}snap:${roomId}`;
  }

  private get busChannel() {
    return `${this.prefix}bus`;
  }

  async publishEvent(event: ClusterEvent) {
    await this.redis.publish(this.eventsChannel, Buffer.from(toBinary(ClusterEventSchema, event)));
  }

  async subscribeEvents(listener: (e: ClusterEvent) => void) {
    await this.subscribed();
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * The one subscriber connection (a subscribed connection can do nothing else), carrying both
   * the events and the bus channel; made on first use. A failed first subscription (Redis down)
   * is not kept: the next subscriber tries again.
   */
  private async subscribed(): Promise<void> {
    this.subscriber ??= (async () => {
      // ioredis's own resubscription after a reconnect leaves its failures unhandled; this
      // connection subscribes again on each new connection itself.
      const sub = this.redis.duplicate({ autoResubscribe: false, ...(this.ownsClient ? { enableOfflineQueue: true } : {}) });
      superviseConnection(sub, this.log, "events", this.ownsClient);
      let connections = 0;
      sub.on("ready", () => {
        if (connections++ === 0) return; // the first subscription is the one awaited below
        // Events published while it was away are lost (pub/sub is at most once); watchers also
        // take a fresh snapshot at least every max interval.
        sub.subscribe(this.eventsChannel, this.busChannel).catch((e) => {
          // Lost again: the next connection subscribes. Still connected: start a new connection.
          this.log?.warn("could not subscribe to cluster events again", { error: String(e) });
          if (sub.status === "ready") sub.disconnect(true);
        });
      });
      sub.on("messageBuffer", (channel: Buffer, message: Buffer) => {
        if (channel.toString() === this.busChannel) {
          for (const l of this.busListeners) l(message);
          return;
        }
        let event: ClusterEvent;
        try {
          event = fromBinary(ClusterEventSchema, message);
        } catch {
          return; // not ours; a shared Redis may carry anything
        }
        for (const l of this.listeners) l(event);
      });
      try {
        await sub.subscribe(this.eventsChannel, this.busChannel);
      } catch (e) {
        sub.disconnect();
        throw e;
      }
      return sub;
    })();
    const pending = this.subscriber;
    await pending.catch((e) => {
      if (this.subscriber === pending) this.subscriber = undefined;
      throw e;
    });
  }

  private get eventsChannel() {
    return `${this.prefix}events`;
  }

  // KEYS: lease key. ARGV: owner, ttlMs. Takes or renews the lease; ttlMs 0 gives it up.
  private static readonly LEASE = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) <= 0 then
  if holder then redis.call('DEL', KEYS[1]) end
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

  /** {prefix}lease:{name}: string, the holder's name, expiring (PX) with the lease. */
  async acquireLease(name: string, owner: string, _nowMs: number, ttlMs: number) {
    return (await this.redis.eval(RedisStore.LEASE, 1, `${this.prefix}lease:${name}`, owner, Math.max(0, Math.floor(ttlMs)))) === 1;
  }

  async close() {
    this.listeners.clear();
    this.busListeners.clear();
    if (this.subscriber) {
      const sub = await this.subscriber.catch(() => undefined);
      await sub?.quit().catch(() => sub.disconnect());
    }
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function pairsToHash(flat: string[]): Record<string, string> {
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
  return h;
}

const num = (v: string | undefined) => (v ? Number(v) : 0);

/** Short key-safe id of a value (label sets, quick-join keys) used inside Redis key names. */
function shortHash(s: string): string {
  return createHash("sha1").update(s).digest("hex").slice(0, 16);
}


function parseLabels(json: string | undefined): Labels {
  if (!json) return {};
  try {
    return JSON.parse(json) as Labels;
  } catch {
    return {};
  }
}

function serverFromHash(h: Record<string, string>): GameServer {
  return create(GameServerSchema, {
    id: h.id,
    address: h.address,
    region: h.region,
    state: num(h.state) as GameServerState,
    maxRooms: num(h.maxRooms),
    maxPlayers: num(h.maxPlayers),
    reservedRooms: num(h.rooms),
    reservedSeats: num(h.seats),
    players: num(h.players),
    lastReportTime: timestampFromMs(num(h.reportAt)),
    reportIntervalMs: num(h.reportIntervalMs),
    epoch: num(h.epoch),
    managerId: h.manager ?? "",
    zone: h.zone ?? "",
    labels: parseLabels(h.labels),
  });
}

function roomFromHash(h: Record<string, string>): Room {
  return create(RoomSchema, {
    roomId: h.roomId,
    serverId: h.serverId,
    serverAddress: h.address,
    region: h.region,
    maxPlayers: num(h.maxPlayers),
    playerCount: num(h.players),
    createTime: timestampFromMs(num(h.createdAt)),
    creatorPlayerId: h.creator,
    state: num(h.state) as RoomState,
    migrations: num(h.migrations),
    visibility: num(h.vis) as RoomVisibility,
    mode: h.mode ?? "",
    metadata: parseLabels(h.meta),
    labels: parseLabels(h.labels),
    freeSeats: num(h.free),
    zone: h.zone ?? "",
  });
}
