import { clone, create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import {
  type GameServer,
  GameServerSchema,
  GameServerState,
  type Room,
  RoomSchema,
  RoomState,
  RoomVisibility,
} from "../../gen/roomgate/v1/common_pb.js";
import type { ClusterEvent } from "../../gen/roomgate/v1/gateway_pb.js";
import {
  type AllocateInput,
  type AllocateResult,
  fits,
  hasLabels,
  type HoldResult,
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

/** What the store keeps beside the public Room message. */
interface RoomRecord {
  room: Room;
  /** The regions the creator asked for, so a moved room prefers them again. */
  wantRegions: string[];
  /** Rooms a quick-join may fill share this (mode, size, labels). */
  quickJoinKey: string;
  /** Seats held for players about to join: player id -> until when. */
  holds: Map<string, number>;
  snapshot?: Uint8Array;
  /** OPENING: when another Manager may reclaim it. MOVING: when the move may be claimed. */
  leaseUntil?: number;
  /** When the room last started to move. */
  movingSince?: number;
}

// A process has tens of servers, so the memory store scans where Redis keeps sorted sets.

// Everything runs on the event loop between awaits, so each method is atomic as a Lua script is.
export class MemoryStore implements RoomStore {
  private readonly servers = new Map<string, GameServer>();
  private readonly serverRooms = new Map<string, Set<string>>();
  private readonly rooms = new Map<string, RoomRecord>();
  private readonly idempotency = new Map<string, { roomId: string; expiresAt: number }>();
  private readonly listeners = new Set<(e: ClusterEvent) => void>();
  private readonly busListeners = new Set<(m: Uint8Array) => void>();
  private readonly expiry = new Map<string, number>();
  private readonly managers = new Map<string, number>();

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
      managerId: reg.managerId,
      zone: reg.zone,
      labels: reg.labels,
    });
    this.servers.set(reg.id, server);
    this.expiry.set(reg.id, reg.expiresAtMs);
    if (!this.serverRooms.has(reg.id)) this.serverRooms.set(reg.id, new Set());
    return { epoch: server.epoch, roomIds: [...this.serverRooms.get(reg.id)!] };
  }

  async getServer(id: string) {
    const s = this.servers.get(id);
    return s && clone(GameServerSchema, s);
  }

  async listServers() {
    return [...this.servers.values()].map((s) => clone(GameServerSchema, s));
  }

  async setServerState(id: string, epoch: number, state: GameServerState) {
    const s = this.servers.get(id);
    if (!s || s.epoch !== epoch) return false;
    s.state = state;
    return true;
  }

  async recordLoad(id: string, epoch: number, players: number, nowMs: number, expiresAtMs: number) {
    const s = this.servers.get(id);
    if (!s || s.epoch !== epoch) return false;
    this.expiry.set(id, expiresAtMs);
    s.players = players;
    s.lastReportTime = timestampFromMs(nowMs);
    return true;
  }

  async expiredServers(nowMs: number, limit: number) {
    return [...this.expiry]
      .filter(([, at]) => at <= nowMs)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([id]) => ({ id, epoch: this.servers.get(id)!.epoch }));
  }

  async removeServer(id: string, epoch: number, nowMs: number): Promise<RemovedServer | undefined> {
    const s = this.servers.get(id);
    if (!s || s.epoch !== epoch) return undefined;
    const out: RemovedServer = { moving: [], dropped: [] };
    for (const roomId of this.serverRooms.get(id) ?? []) {
      const rec = this.rooms.get(roomId)!;
      if (rec.room.state === RoomState.OPENING) {
        this.rooms.delete(roomId);
        out.dropped.push(roomId);
      } else {
        this.unplace(rec, nowMs);
        rec.leaseUntil = 0;
        out.moving.push(roomId);
      }
    }
    this.serverRooms.delete(id);
    this.servers.delete(id);
    this.expiry.delete(id);
    return out;
  }

  async allocateRoom(input: AllocateInput): Promise<AllocateResult> {
    if (input.requestId) {
      const prior = this.idempotency.get(input.requestId);
      if (prior && prior.expiresAt > input.nowMs) {
        const rec = this.rooms.get(prior.roomId);
        if (rec) return { kind: "existing", room: this.view(rec, input.nowMs) };
      }
    }
    if (this.rooms.has(input.roomId)) return { kind: "collision" };
    const best = this.pick(input);
    if (best.kind !== "found") return best;
    const room = create(RoomSchema, {
      roomId: input.roomId,
      maxPlayers: input.seats,
      createTime: timestampFromMs(input.nowMs),
      creatorPlayerId: input.creatorPlayerId,
      state: RoomState.OPENING,
      visibility: input.visibility,
      mode: input.mode,
      metadata: input.metadata,
      labels: input.labels,
    });
    const rec: RoomRecord = {
      room,
      wantRegions: input.regions,
      quickJoinKey: quickJoinKey(input.mode, input.seats, input.labels),
      holds: new Map([[input.creatorPlayerId, input.holdUntilMs]]),
      leaseUntil: input.openDeadlineMs,
    };
    this.rooms.set(room.roomId, rec);
    this.place(rec, best.server);
    if (input.requestId) {
      this.idempotency.set(input.requestId, { roomId: room.roomId, expiresAt: input.nowMs + input.idempotencyTtlMs });
      this.sweepIdempotency(input.nowMs);
    }
    return { kind: "created", room: this.view(rec, input.nowMs) };
  }

  async confirmRoom(roomId: string, serverId: string, _nowMs: number) {
    const rec = this.rooms.get(roomId);
    if (!rec || rec.room.serverId !== serverId) return false;
    if (rec.room.state === RoomState.OPENING) {
      rec.room.state = RoomState.OPEN;
      rec.leaseUntil = undefined;
    }
    return rec.room.state === RoomState.OPEN;
  }

  async claimExpiredOpening(nowMs: number, leaseMs: number, limit: number) {
    const out: Room[] = [];
    for (const rec of this.rooms.values()) {
      if (out.length >= limit) break;
      if (rec.room.state !== RoomState.OPENING || (rec.leaseUntil ?? 0) > nowMs) continue;
      rec.leaseUntil = nowMs + leaseMs;
      out.push(this.view(rec, nowMs));
    }
    return out;
  }

  async getRoom(roomId: string, nowMs = Date.now()) {
    const r = this.rooms.get(roomId);
    return r && this.view(r, nowMs);
  }

  async setRoomPlayers(roomId: string, serverId: string, count: number, joinedPlayerIds: string[], _nowMs: number) {
    const r = this.rooms.get(roomId);
    if (!r || r.room.serverId !== serverId) return false;
    r.room.playerCount = count;
    for (const id of joinedPlayerIds) r.holds.delete(id);
    return true;
  }

  async holdSeat(roomId: string, seat: SeatRequest & { rejoin: boolean }): Promise<HoldResult> {
    const rec = this.rooms.get(roomId);
    if (!rec) return { kind: "missing" };
    if (rec.room.state !== RoomState.OPEN) return { kind: "unavailable", room: this.view(rec, seat.nowMs) };
    if (!seat.rejoin && !rec.holds.has(seat.playerId) && freeSeats(rec, seat.nowMs) <= 0) return { kind: "full", room: this.view(rec, seat.nowMs) };
    rec.holds.set(seat.playerId, seat.untilMs);
    return { kind: "held", room: this.view(rec, seat.nowMs) };
  }

  async joinPublic(q: QuickJoin) {
    const key = quickJoinKey(q.mode, q.maxPlayers, q.labels);
    for (const region of q.regions.length > 0 ? q.regions : [undefined]) {
      let best: RoomRecord | undefined;
      let bestFree = Infinity;
      for (const rec of this.rooms.values()) {
        if (rec.quickJoinKey !== key || !queued(rec, q.nowMs) || (region !== undefined && rec.room.region !== region)) continue;
        // Fullest first (as the Redis queue's scores order them; ties by room id).
        const free = freeSeats(rec, q.nowMs);
        if (free < bestFree || (free === bestFree && rec.room.roomId < best!.room.roomId)) [best, bestFree] = [rec, free];
      }
      if (best) {
        best.holds.set(q.playerId, q.untilMs);
        return this.view(best, q.nowMs);
      }
    }
    return undefined;
  }

  async listRooms(q: RoomQuery) {
    const cursor = q.after ? parseListCursor(q.after) : undefined;
    const [afterMs, afterId] = cursor ? [Number(cursor.createdMs), cursor.roomId] : [Infinity, ""];
    const created = (r: RoomRecord) => (r.room.createTime ? timestampMs(r.room.createTime) : 0);
    const page = [...this.rooms.values()]
      .filter(
        (r) =>
          r.room.visibility === RoomVisibility.PUBLIC &&
          r.room.state !== RoomState.OPENING &&
          (q.includeFull || joinable(r, q.nowMs)) &&
          (!q.mode || r.room.mode === q.mode) &&
          (!q.region || r.room.region === q.region),
      )
      .filter((r) => created(r) < afterMs || (created(r) === afterMs && r.room.roomId < afterId))
      .sort((a, b) => created(b) - created(a) || (a.room.roomId < b.room.roomId ? 1 : -1))
      .slice(0, q.limit + 1);
    const rooms = page.slice(0, q.limit);
    const last = rooms[rooms.length - 1];
    return { rooms: rooms.map((r) => this.view(r, q.nowMs)), next: page.length > q.limit && last ? listCursor(created(last), last.room.roomId) : undefined };
  }

  async deleteRoom(roomId: string, serverId?: string) {
    const rec = this.rooms.get(roomId);
    if (!rec || (serverId !== undefined && rec.room.serverId !== serverId)) return false;
    this.unplace(rec);
    this.rooms.delete(roomId);
    return true;
  }

  async listServerRooms(serverId: string) {
    return [...(this.serverRooms.get(serverId) ?? [])];
  }

  async saveSnapshot(roomId: string, serverId: string, snapshot: Uint8Array) {
    const rec = this.rooms.get(roomId);
    if (!rec || rec.room.serverId !== serverId || rec.room.state !== RoomState.OPEN) return false;
    rec.snapshot = snapshot.slice();
    return true;
  }

  async getSnapshot(roomId: string) {
    return this.rooms.get(roomId)?.snapshot?.slice();
  }

  async handOver(roomId: string, serverId: string, snapshot: Uint8Array | undefined, nowMs: number, leaseMs: number) {
    const rec = this.rooms.get(roomId);
    if (!rec || rec.room.serverId !== serverId || rec.room.state !== RoomState.OPEN) return false;
    if (snapshot) rec.snapshot = snapshot.slice();
    this.unplace(rec, nowMs);
    rec.leaseUntil = nowMs + leaseMs;
    return true;
  }

  async claimMoving(nowMs: number, leaseMs: number, limit: number) {
    const out: string[] = [];
    for (const rec of this.rooms.values()) {
      if (out.length >= limit) break;
      if (rec.room.state !== RoomState.MOVING || (rec.leaseUntil ?? 0) > nowMs) continue;
      rec.leaseUntil = nowMs + leaseMs;
      out.push(rec.room.roomId);
    }
    return out;
  }

  async moveRoom(roomId: string, placement: Omit<Placement, "seats" | "regions" | "labels">): Promise<MoveResult> {
    const rec = this.rooms.get(roomId);
    if (!rec || rec.room.state !== RoomState.MOVING) return { kind: "gone" };
    // An earlier attempt that the server never confirmed gives its reservation back first.
    if (rec.room.serverId) this.unplace(rec, placement.nowMs);
    const best = this.pick({ ...placement, regions: rec.wantRegions, labels: rec.room.labels, seats: rec.room.maxPlayers });
    if (best.kind !== "found") return { kind: best.kind, movingSinceMs: rec.movingSince ?? placement.nowMs };
    this.place(rec, best.server);
    rec.room.playerCount = 0;
    return { kind: "placed", room: this.view(rec, placement.nowMs) };
  }

  async finishMove(roomId: string, serverId: string, _nowMs: number) {
    const rec = this.rooms.get(roomId);
    if (!rec || rec.room.state !== RoomState.MOVING || rec.room.serverId !== serverId) return false;
    rec.room.state = RoomState.OPEN;
    rec.room.migrations += 1;
    rec.leaseUntil = undefined;
    return true;
  }

  async deferMove(roomId: string, untilMs: number) {
    const rec = this.rooms.get(roomId);
    if (rec?.room.state === RoomState.MOVING) rec.leaseUntil = untilMs;
  }

  async heartbeat(managerId: string, nowMs: number, ttlMs: number) {
    if (ttlMs > 0) this.managers.set(managerId, nowMs + ttlMs);
    else this.managers.delete(managerId);
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

  async publishBus(message: Uint8Array) {
    // Delivered on a later tick, as Redis would, so no caller sees its own message re-entrantly.
    void Promise.resolve().then(() => {
      for (const l of this.busListeners) l(message);
    });
  }

  async subscribeBus(listener: (m: Uint8Array) => void) {
    this.busListeners.add(listener);
    return () => {
      this.busListeners.delete(listener);
    };
  }

  private readonly leases = new Map<string, { owner: string; untilMs: number }>();

  async acquireLease(name: string, owner: string, nowMs: number, ttlMs: number) {
    const held = this.leases.get(name);
    if (held && held.owner !== owner && held.untilMs > nowMs) return false;
    if (ttlMs <= 0) {
      if (held?.owner === owner) this.leases.delete(name);
      return false;
    }
    this.leases.set(name, { owner, untilMs: nowMs + ttlMs });
    return true;
  }

  async close() {
    this.listeners.clear();
    this.busListeners.clear();
  }

  /** The wanted regions in order, then any; within each the strategy's pick (see PlacementStrategy). */
  private pick(p: Placement): { kind: "found"; server: GameServer } | { kind: "full" } | { kind: "none" } {
    const excluded = new Set(p.excluded);
    const usable = [...this.servers.values()].filter(
      (s) =>
        s.state === GameServerState.LIVE &&
        !excluded.has(s.id) &&
        (!s.managerId || (this.managers.get(s.managerId) ?? 0) > p.nowMs) &&
        hasLabels(serverLabels(s.labels, s.zone), p.labels),
    );
    const fitting = usable.filter((s) => fits(s, p.seats));
    const free = (s: GameServer) => s.maxPlayers - s.reservedSeats;
    const better = (a: GameServer, b: GameServer) => (p.strategy === "packed" ? free(a) < free(b) : free(a) > free(b));
    for (const tier of [...p.regions.map((r) => fitting.filter((s) => s.region === r)), fitting]) {
      let best: GameServer | undefined;
      for (const s of tier) if (!best || better(s, best)) best = s;
      if (best) return { kind: "found", server: best };
    }
    return { kind: usable.length > 0 ? "full" : "none" };
  }

  private place(rec: RoomRecord, s: GameServer) {
    s.reservedRooms += 1;
    s.reservedSeats += rec.room.maxPlayers;
    rec.room.serverId = s.id;
    rec.room.serverAddress = s.address;
    rec.room.region = s.region;
    rec.room.zone = s.zone;
    this.serverRooms.get(s.id)!.add(rec.room.roomId);
  }

  /** Gives the room's reservation back; with nowMs the room is left MOVING rather than deleted. */
  private unplace(rec: RoomRecord, movingSince?: number) {
    const id = rec.room.serverId;
    if (id) {
      this.serverRooms.get(id)?.delete(rec.room.roomId);
      const s = this.servers.get(id);
      if (s) {
        s.reservedRooms = Math.max(0, s.reservedRooms - 1);
        s.reservedSeats = Math.max(0, s.reservedSeats - rec.room.maxPlayers);
      }
    }
    if (movingSince === undefined) return;
    if (rec.room.state !== RoomState.MOVING) rec.movingSince = movingSince;
    rec.room.serverId = "";
    rec.room.serverAddress = "";
    rec.room.playerCount = 0;
    rec.room.state = RoomState.MOVING;
  }

  /** A copy of the room as callers see it, with its free seats. */
  private view(rec: RoomRecord, nowMs: number): Room {
    const room = clone(RoomSchema, rec.room);
    room.freeSeats = Math.max(0, freeSeats(rec, nowMs));
    return room;
  }

  // Amortised: expired keys go when new keys come, so the map never outgrows the TTL window.
  private sweepIdempotency(nowMs: number) {
    if (this.idempotency.size % 64 !== 0) return;
    for (const [k, v] of this.idempotency) if (v.expiresAt <= nowMs) this.idempotency.delete(k);
  }
}

/** Seats neither taken nor held; lapsed holds go. */
function freeSeats(rec: RoomRecord, nowMs: number): number {
  for (const [id, until] of rec.holds) if (until <= nowMs) rec.holds.delete(id);
  return rec.room.maxPlayers - rec.room.playerCount - rec.holds.size;
}

/** Offered to quick-joins: a public room with a seat that is open, or opening. */
function queued(rec: RoomRecord, nowMs: number): boolean {
  return rec.room.visibility === RoomVisibility.PUBLIC && rec.room.state !== RoomState.MOVING && freeSeats(rec, nowMs) > 0;
}

function joinable(rec: RoomRecord, nowMs: number): boolean {
  return rec.room.visibility === RoomVisibility.PUBLIC && rec.room.state === RoomState.OPEN && freeSeats(rec, nowMs) > 0;
}
