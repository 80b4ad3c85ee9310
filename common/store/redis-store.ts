import { Redis, type RedisOptions } from "ioredis";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type GameServer, GameServerSchema, GameServerState, type Room, RoomSchema } from "../../gen/roomgate/v1/common_pb.js";
import { type ClusterEvent, ClusterEventSchema } from "../../gen/roomgate/v1/gateway_pb.js";
import * as lua from "./redis-scripts.js";
import type { AllocateInput, AllocateResult, RoomStore, ServerRegistration } from "./store.js";

// Per-room and per-server keys (never one hash of all rooms), so no operation grows with the
// number of rooms in the cluster:
//   {prefix}room:{roomId}          hash   where the room lives
//   {prefix}server:{id}            hash   address, capacity, reservations, state, epoch
//   {prefix}server:{id}:rooms      set    rooms mapped to the server
//   {prefix}servers                set    server ids
//   {prefix}idem:{requestId}       string room id, expires
//   {prefix}events                 pub/sub channel of ClusterEvent (protobuf binary)

interface Scripts {
  rgAllocate(roomKey: string, idemKey: string, ...args: (string | number)[]): Promise<[string, string[]]>;
  rgDeleteRoom(roomKey: string, ...args: string[]): Promise<number>;
  rgRegister(serverKey: string, roomsKey: string, setKey: string, ...args: (string | number)[]): Promise<[number, string[]]>;
  rgSetIfEpoch(serverKey: string, ...args: (string | number)[]): Promise<number>;
  rgRemoveServer(serverKey: string, roomsKey: string, setKey: string, ...args: (string | number)[]): Promise<string[] | null>;
  rgSetRoomPlayers(roomKey: string, serverId: string, count: number): Promise<number>;
}

export interface RedisStoreOptions {
  /** An existing client, or a URL / options to make one. */
  redis: Redis | string | RedisOptions;
  keyPrefix?: string;
}

export class RedisStore implements RoomStore {
  readonly redis: Redis;
  private readonly prefix: string;
  private readonly ownsClient: boolean;
  private subscriber?: Promise<Redis>;
  private readonly listeners = new Set<(e: ClusterEvent) => void>();

  constructor(options: RedisStoreOptions) {
    this.prefix = options.keyPrefix ?? "rg:";
    if (options.redis instanceof Redis) {
      this.redis = options.redis;
      this.ownsClient = false;
    } else {
      // Fail commands fast while Redis is unreachable instead of queueing them without bound:
      // callers turn the error into `unavailable`.
      const defaults: RedisOptions = { maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2000 };
      this.redis =
        typeof options.redis === "string" ? new Redis(options.redis, defaults) : new Redis({ ...defaults, ...options.redis });
      this.ownsClient = true;
    }
    this.redis.defineCommand("rgAllocate", { numberOfKeys: 2, lua: lua.ALLOCATE });
    this.redis.defineCommand("rgDeleteRoom", { numberOfKeys: 1, lua: lua.DELETE_ROOM });
    this.redis.defineCommand("rgRegister", { numberOfKeys: 3, lua: lua.REGISTER });
    this.redis.defineCommand("rgSetIfEpoch", { numberOfKeys: 1, lua: lua.SET_IF_EPOCH });
    this.redis.defineCommand("rgRemoveServer", { numberOfKeys: 3, lua: lua.REMOVE_SERVER });
    this.redis.defineCommand("rgSetRoomPlayers", { numberOfKeys: 1, lua: lua.SET_ROOM_PLAYERS });
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
  private get serversKey() {
    return `${this.prefix}servers`;
  }

  async registerServer(reg: ServerRegistration) {
    const [epoch, roomIds] = await this.scripts.rgRegister(
      this.serverKey(reg.id), this.serverRoomsKey(reg.id), this.serversKey,
      reg.id, reg.address, reg.region, reg.maxRooms, reg.maxPlayers, reg.reportIntervalMs, reg.nowMs, GameServerState.LIVE,
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
    return (await this.scripts.rgSetIfEpoch(this.serverKey(id), epoch, "state", state)) === 1;
  }

  async recordLoad(id: string, epoch: number, players: number, nowMs: number) {
    return (await this.scripts.rgSetIfEpoch(this.serverKey(id), epoch, "players", players, "reportAt", nowMs)) === 1;
  }

  async removeServer(id: string, epoch: number) {
    const rooms = await this.scripts.rgRemoveServer(this.serverKey(id), this.serverRoomsKey(id), this.serversKey, this.prefix, id, epoch);
    return rooms ?? undefined;
  }

  async allocateRoom(input: AllocateInput): Promise<AllocateResult> {
    const pairs: (string | number)[] = [];
    for (const c of input.candidates) pairs.push(c.serverId, c.tier);
    const [kind, hash] = await this.scripts.rgAllocate(
      this.roomKey(input.roomId), `${this.prefix}idem:${input.requestId ?? ""}`,
      this.prefix, input.roomId, input.maxPlayers, input.nowMs, input.creatorPlayerId,
      input.requestId ? "1" : "0", input.idempotencyTtlMs, ...pairs,
    );
    switch (kind) {
      case "created":
      case "existing":
        return { kind, room: roomFromHash(pairsToHash(hash)) };
      case "full":
      case "collision":
        return { kind };
      default:
        throw new Error(`unexpected allocation result ${kind}`);
    }
  }

  async getRoom(roomId: string) {
    const h = await this.redis.hgetall(this.roomKey(roomId));
    return h.roomId ? roomFromHash(h) : undefined;
  }

  async setRoomPlayers(roomId: string, serverId: string, count: number) {
    return (await this.scripts.rgSetRoomPlayers(this.roomKey(roomId), serverId, count)) === 1;
  }

  async deleteRoom(roomId: string, serverId?: string) {
    return (await this.scripts.rgDeleteRoom(this.roomKey(roomId), this.prefix, roomId, serverId ?? "")) === 1;
  }

  async listServerRooms(serverId: string) {
    return this.redis.smembers(this.serverRoomsKey(serverId));
  }

  async publishEvent(event: ClusterEvent) {
    await this.redis.publish(this.eventsChannel, Buffer.from(toBinary(ClusterEventSchema, event)));
  }

  async subscribeEvents(listener: (e: ClusterEvent) => void) {
    // A subscribed connection can do nothing else, so events get one of their own (made on first use).
    this.subscriber ??= (async () => {
      const sub = this.redis.duplicate();
      sub.on("messageBuffer", (_channel: Buffer, message: Buffer) => {
        let event: ClusterEvent;
        try {
          event = fromBinary(ClusterEventSchema, message);
        } catch {
          return; // not ours; a shared Redis may carry anything
        }
        for (const l of this.listeners) l(event);
      });
      await sub.subscribe(this.eventsChannel);
      return sub;
    })();
    await this.subscriber;
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private get eventsChannel() {
    return `${this.prefix}events`;
  }

  async close() {
    this.listeners.clear();
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
  });
}
