import { clone, create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { GameServerSchema, GameServerState, RoomState } from "../../../gen/roomgate/v1/common_pb.js";
import type {
  LoadReport,
  Liveness,
  OwnLoadAnswer,
  OwnLoadReport,
  RemovedServer,
  ServerEpoch,
  ServerRegistration,
  ServerRegistry,
} from "../servers.js";
import type { MemoryState } from "./state.js";

// The memory store's server registry and liveness.

export class MemoryServers implements ServerRegistry {
  constructor(private readonly s: MemoryState) {}

  async registerServer(reg: ServerRegistration) {
    const prev = this.s.servers.get(reg.id);
    const server = create(GameServerSchema, {
      reservedRooms: prev?.reservedRooms ?? 0,
      reservedSeats: prev?.reservedSeats ?? 0,
      players: prev?.players ?? 0,
      id: reg.id,
      address: reg.address,
      region: reg.region,
      maxRooms: reg.maxRooms,
      maxPlayers: reg.maxPlayers,
      reportIntervalMs: reg.reportIntervalMs,
      state: GameServerState.LIVE,
      lastReportTime: timestampFromMs(reg.nowMs),
      epoch: ++this.s.lastEpoch,
      managerId: reg.managerId,
      zone: reg.zone,
      labels: reg.labels,
      opensOnToken: reg.opensOnToken ?? false,
    });
    this.s.servers.set(reg.id, server);
    this.s.expiry.set(reg.id, reg.expiresAtMs);
    if (!this.s.serverRooms.has(reg.id)) this.s.serverRooms.set(reg.id, new Set());
    return { epoch: server.epoch, roomIds: [...this.s.serverRooms.get(reg.id)!] };
  }

  async getServer(id: string) {
    const s = this.s.servers.get(id);
    return s && clone(GameServerSchema, s);
  }

  async listServers() {
    return [...this.s.servers.values()].map((s) => clone(GameServerSchema, s));
  }

  async setServerState({ id, epoch, state }: ServerEpoch & { state: GameServerState }) {
    const s = this.s.servers.get(id);
    if (!s || s.epoch !== epoch) return false;
    s.state = state;
    return true;
  }

  async listServerRooms(serverId: string) {
    return [...(this.s.serverRooms.get(serverId) ?? [])];
  }
}

export class MemoryLiveness implements Liveness {
  constructor(private readonly s: MemoryState) {}

  async recordLoad(r: LoadReport) {
    const s = this.s.servers.get(r.id);
    if (!s || s.epoch !== r.epoch) return false;
    this.s.expiry.set(r.id, r.expiresAtMs);
    s.players = r.players;
    s.lastReportTime = timestampFromMs(r.nowMs);
    for (const c of r.roomCpu ?? []) {
      const room = this.s.rooms.get(c.roomId)?.room;
      if (room?.serverId !== r.id) continue;
      room.cpuSeconds = c.cpuSeconds;
      room.cpuLoad = c.load;
    }
    return true;
  }

  async recordOwnLoad({ deadlineMs, ...r }: OwnLoadReport): Promise<OwnLoadAnswer> {
    // The embedded store's clock is this process's.
    const nowMs = Date.now();
    if (!(await this.recordLoad({ ...r, nowMs, expiresAtMs: nowMs + deadlineMs }))) return "stale";
    const managerId = this.s.servers.get(r.id)?.managerId;
    return managerId && (this.s.managers.get(managerId) ?? 0) > nowMs ? "recorded" : "unheard";
  }

  async recordLoads(reports: readonly LoadReport[]) {
    const out: boolean[] = [];
    for (const r of reports) out.push(await this.recordLoad(r));
    return out;
  }

  async expiredServers({ nowMs, limit }: { nowMs: number; limit: number }) {
    return [...this.s.expiry]
      .filter(([, at]) => at <= nowMs)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([id]) => ({ id, epoch: this.s.servers.get(id)!.epoch }));
  }

  async removeServer({ id, epoch, nowMs }: ServerEpoch & { nowMs: number }): Promise<RemovedServer | undefined> {
    const s = this.s.servers.get(id);
    if (!s || s.epoch !== epoch) return undefined;
    const out: RemovedServer = { moving: [], dropped: [] };
    for (const roomId of this.s.serverRooms.get(id) ?? []) {
      const rec = this.s.rooms.get(roomId)!;
      if (rec.room.state === RoomState.OPENING && !rec.opensOnToken) {
        this.s.rooms.delete(roomId);
        out.dropped.push(roomId);
      } else {
        this.s.unplace(rec, nowMs);
        rec.leaseUntil = 0;
        out.moving.push(roomId);
      }
    }
    this.s.serverRooms.delete(id);
    this.s.servers.delete(id);
    this.s.expiry.delete(id);
    return out;
  }

  async heartbeat({ managerId, nowMs, ttlMs }: { managerId: string; nowMs: number; ttlMs: number }) {
    if (ttlMs > 0) this.s.managers.set(managerId, nowMs + ttlMs);
    else this.s.managers.delete(managerId);
  }
}
