import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type GameServer, GameServerSchema, GameServerState, type Room, RoomSchema } from "../../gen/roomgate/v1/common_pb.js";
import type { ClusterEvent } from "../../gen/roomgate/v1/gateway_pb.js";
import { type AllocateInput, type AllocateResult, type RoomStore, type ServerRegistration, fits, serverLoad } from "./store.js";

// Everything runs on the event loop between awaits, so each method is atomic as a Lua script is.
export class MemoryStore implements RoomStore {
  private readonly servers = new Map<string, GameServer>();
  private readonly serverRooms = new Map<string, Set<string>>();
  private readonly rooms = new Map<string, Room>();
  private readonly idempotency = new Map<string, { roomId: string; expiresAt: number }>();
  private readonly listeners = new Set<(e: ClusterEvent) => void>();

  async registerServer(reg: ServerRegistration) {
    const prev = this.servers.get(reg.id);
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
      epoch: (prev?.epoch ?? 0) + 1,
    });
    this.servers.set(reg.id, server);
    if (!this.serverRooms.has(reg.id)) this.serverRooms.set(reg.id, new Set());
    return { epoch: server.epoch, roomIds: [...this.serverRooms.get(reg.id)!] };
  }

  async getServer(id: string) {
    const s = this.servers.get(id);
    return s && create(GameServerSchema, s);
  }

  async listServers() {
    return [...this.servers.values()].map((s) => create(GameServerSchema, s));
  }

  async setServerState(id: string, epoch: number, state: GameServerState) {
    const s = this.servers.get(id);
    if (!s || s.epoch !== epoch) return false;
    s.state = state;
    return true;
  }

  async recordLoad(id: string, epoch: number, players: number, nowMs: number) {
    const s = this.servers.get(id);
    if (!s || s.epoch !== epoch) return false;
    s.players = players;
    s.lastReportTime = timestampFromMs(nowMs);
    return true;
  }

  async removeServer(id: string, epoch: number) {
    const s = this.servers.get(id);
    if (!s || s.epoch !== epoch) return undefined;
    const roomIds = [...(this.serverRooms.get(id) ?? [])];
    for (const roomId of roomIds) this.rooms.delete(roomId);
    this.serverRooms.delete(id);
    this.servers.delete(id);
    return roomIds;
  }

  async allocateRoom(input: AllocateInput): Promise<AllocateResult> {
    if (input.requestId) {
      const prior = this.idempotency.get(input.requestId);
      if (prior && prior.expiresAt > input.nowMs) {
        const room = this.rooms.get(prior.roomId);
        if (room) return { kind: "existing", room: create(RoomSchema, room) };
      }
    }
    if (this.rooms.has(input.roomId)) return { kind: "collision" };
    let best: GameServer | undefined;
    let bestLoad = Infinity;
    let bestTier = Infinity;
    for (const c of input.candidates) {
      if (best && c.tier > bestTier) break;
      const s = this.servers.get(c.serverId);
      if (!s || s.state !== GameServerState.LIVE || !fits(s, input.maxPlayers)) continue;
      const load = serverLoad(s);
      if (load < bestLoad) {
        best = s;
        bestLoad = load;
        bestTier = c.tier;
      }
    }
    if (!best) return { kind: "full" };
    best.reservedRooms += 1;
    best.reservedSeats += input.maxPlayers;
    const room = create(RoomSchema, {
      roomId: input.roomId,
      serverId: best.id,
      serverAddress: best.address,
      region: best.region,
      maxPlayers: input.maxPlayers,
      playerCount: 0,
      createTime: timestampFromMs(input.nowMs),
      creatorPlayerId: input.creatorPlayerId,
    });
    this.rooms.set(room.roomId, room);
    this.serverRooms.get(best.id)!.add(room.roomId);
    if (input.requestId) {
      this.idempotency.set(input.requestId, { roomId: room.roomId, expiresAt: input.nowMs + input.idempotencyTtlMs });
      this.sweepIdempotency(input.nowMs);
    }
    return { kind: "created", room: create(RoomSchema, room) };
  }

  async getRoom(roomId: string) {
    const r = this.rooms.get(roomId);
    return r && create(RoomSchema, r);
  }

  async setRoomPlayers(roomId: string, serverId: string, count: number) {
    const r = this.rooms.get(roomId);
    if (!r || r.serverId !== serverId) return false;
    r.playerCount = count;
    return true;
  }

  async deleteRoom(roomId: string, serverId?: string) {
    const r = this.rooms.get(roomId);
    if (!r || (serverId !== undefined && r.serverId !== serverId)) return false;
    this.rooms.delete(roomId);
    this.serverRooms.get(r.serverId)?.delete(roomId);
    const s = this.servers.get(r.serverId);
    if (s) {
      s.reservedRooms = Math.max(0, s.reservedRooms - 1);
      s.reservedSeats = Math.max(0, s.reservedSeats - r.maxPlayers);
    }
    return true;
  }

  async listServerRooms(serverId: string) {
    return [...(this.serverRooms.get(serverId) ?? [])];
  }

  async publishEvent(event: ClusterEvent) {
    for (const l of this.listeners) l(event);
  }

  async subscribeEvents(listener: (e: ClusterEvent) => void) {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close() {
    this.listeners.clear();
  }

  // Amortised: expired keys go when new keys come, so the map never outgrows the TTL window.
  private sweepIdempotency(nowMs: number) {
    if (this.idempotency.size % 64 !== 0) return;
    for (const [k, v] of this.idempotency) if (v.expiresAt <= nowMs) this.idempotency.delete(k);
  }
}
