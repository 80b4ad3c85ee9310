import type { GameServer, GameServerState } from "../../../gen/roomgate/v1/common_pb.js";
import { canonicalLabels, serverLabels } from "../placement.js";
import type {
  LoadReport,
  OwnLoadAnswer,
  OwnLoadReport,
  Liveness,
  RemovedServer,
  ServerEpoch,
  ServerRegistration,
  ServerRegistry,
} from "../servers.js";
import type { RedisContext } from "./context.js";
import { serverFromHash, shortHash } from "./hashes.js";
import { script } from "./lua.js";

// The Redis store's server registry and liveness, and the encoders of their scripts.

export const REGISTER = script<[number, string[]]>()({
  file: "register",
  keys: ["serverKey", "roomsKey", "serversKey", "expiryKey"],
  args: [
    "prefix",
    "id",
    "address",
    "region",
    "maxRooms",
    "maxPlayers",
    "reportIntervalMs",
    "nowMs",
    "managerId",
    "expiresAtMs",
    "zone",
    "labels",
    "pool",
    "poolLabels",
    "tok",
    "givenEpoch",
  ],
  encode: (k, reg: ServerRegistration) => {
    const pool = canonicalLabels(serverLabels(reg.labels, reg.zone));
    return {
      keys: {
        serverKey: k.server(reg.id),
        roomsKey: k.serverRooms(reg.id),
        serversKey: k.servers,
        expiryKey: k.expiry,
      },
      args: {
        prefix: k.prefix,
        id: reg.id,
        address: reg.address,
        region: reg.region,
        maxRooms: reg.maxRooms,
        maxPlayers: reg.maxPlayers,
        reportIntervalMs: reg.reportIntervalMs,
        nowMs: reg.nowMs,
        managerId: reg.managerId,
        expiresAtMs: reg.expiresAtMs,
        zone: reg.zone,
        labels: canonicalLabels(reg.labels),
        pool: shortHash(pool),
        poolLabels: pool,
        tok: reg.opensOnToken ? "1" : "0",
        givenEpoch: reg.epoch ?? 0,
      },
    };
  },
});

export const SET_STATE = script<number>()({
  file: "set-state",
  keys: ["serverKey"],
  args: ["prefix", "id", "epoch", "state"],
  encode: (k, s: ServerEpoch & { state: GameServerState }) => ({
    keys: { serverKey: k.server(s.id) },
    args: { prefix: k.prefix, id: s.id, epoch: s.epoch, state: s.state },
  }),
});

export const RECORD_LOADS = script<number[]>()({
  file: "record-loads",
  keys: ["expiryKey"],
  args: ["prefix"],
  rest: "reports",
  encode: (k, reports: readonly (LoadReport | OwnLoadReport)[]) => ({
    keys: { expiryKey: k.expiry },
    args: { prefix: k.prefix },
    rest: reports.flatMap((r) => [
      r.id,
      r.epoch,
      r.players,
      // "t": the script stamps the report with Redis's TIME and adds the deadline.
      ...("deadlineMs" in r ? ["t", r.deadlineMs] : [r.nowMs, r.expiresAtMs]),
      r.roomCpu?.length ?? 0,
      ...(r.roomCpu ?? []).flatMap((c) => [c.roomId, c.cpuSeconds, c.load]),
    ]),
  }),
});

export const REMOVE_SERVER = script<[string[], string[]] | null>()({
  file: "remove-server",
  keys: ["serverKey", "roomsKey", "serversKey", "expiryKey"],
  args: ["prefix", "id", "epoch", "nowMs"],
  encode: (k, s: ServerEpoch & { nowMs: number }) => ({
    keys: { serverKey: k.server(s.id), roomsKey: k.serverRooms(s.id), serversKey: k.servers, expiryKey: k.expiry },
    args: { prefix: k.prefix, id: s.id, epoch: s.epoch, nowMs: s.nowMs },
  }),
});

export class RedisServers implements ServerRegistry {
  constructor(private readonly c: RedisContext) {}

  async registerServer(reg: ServerRegistration) {
    const [epoch, roomIds] = await this.c.run(REGISTER, reg);
    return { epoch: Number(epoch), roomIds };
  }

  async getServer(id: string) {
    const h = await this.c.redis.hgetall(this.c.keys.server(id));
    return h.id ? serverFromHash(h) : undefined;
  }

  async listServers() {
    const ids = await this.c.redis.smembers(this.c.keys.servers);
    if (ids.length === 0) return [];
    const pipe = this.c.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.c.keys.server(id));
    const rows = (await pipe.exec()) ?? [];
    const out: GameServer[] = [];
    for (const [err, h] of rows) {
      if (err) throw err;
      const hash = h as Record<string, string>;
      if (hash.id) out.push(serverFromHash(hash));
    }
    return out;
  }

  async setServerState(s: ServerEpoch & { state: GameServerState }) {
    return (await this.c.run(SET_STATE, s)) === 1;
  }

  async listServerRooms(serverId: string) {
    return this.c.redis.hkeys(this.c.keys.serverRooms(serverId));
  }
}

export class RedisLiveness implements Liveness {
  constructor(private readonly c: RedisContext) {}

  async recordLoad(r: LoadReport) {
    return (await this.recordLoads([r]))[0] === true;
  }

  async recordLoads(reports: readonly LoadReport[]) {
    if (reports.length === 0) return [];
    return (await this.c.run(RECORD_LOADS, reports)).map((ok) => ok === 1);
  }

  async recordOwnLoad(r: OwnLoadReport): Promise<OwnLoadAnswer> {
    const [code] = await this.c.run(RECORD_LOADS, [r]);
    return code === 1 ? "recorded" : code === 2 ? "unheard" : "stale";
  }

  async expiredServers({ nowMs, limit }: { nowMs: number; limit: number }) {
    const ids = await this.c.redis.zrangebyscore(this.c.keys.expiry, "-inf", nowMs, "LIMIT", 0, limit);
    if (ids.length === 0) return [];
    const pipe = this.c.redis.pipeline();
    for (const id of ids) pipe.hget(this.c.keys.server(id), "epoch");
    const rows = (await pipe.exec()) ?? [];
    return ids.map((id, i) => ({ id, epoch: Number(rows[i]?.[1] ?? 0) }));
  }

  async removeServer(s: ServerEpoch & { nowMs: number }): Promise<RemovedServer | undefined> {
    const r = await this.c.run(REMOVE_SERVER, s);
    return r ? { moving: r[0], dropped: r[1] } : undefined;
  }

  async heartbeat({ managerId, ttlMs }: { managerId: string; nowMs: number; ttlMs: number }) {
    const key = this.c.keys.manager(managerId);
    if (ttlMs > 0) await this.c.redis.set(key, "1", "PX", ttlMs);
    else await this.c.redis.del(key);
  }
}
