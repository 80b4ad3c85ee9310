import { clone } from "@bufbuild/protobuf";
import {
  type GameServer,
  GameServerState,
  type Room,
  RoomSchema,
  RoomState,
  RoomVisibility,
} from "../../../gen/roomgate/v1/common_pb.js";
import { fits, hasLabels, type Placement, serverLabels } from "../placement.js";
import { MemoryCaps } from "./caps.js";

// The memory store's state, shared by its parts (one per concern), and the placement rules they
// share. A process has tens of servers, so the memory store scans where Redis keeps sorted sets.
// Everything runs on the event loop between awaits, so each method is atomic as a Lua script is.

/** What the store keeps beside the public Room message. */
export interface RoomRecord {
  room: Room;
  /** The regions the creator asked for, so a moved room prefers them again. */
  wantRegions: string[];
  /** Rooms a quick-join may fill share this (mode, size, labels). */
  quickJoinKey: string;
  /** Seats held for players about to join: player id -> until when. */
  holds: Map<string, number>;
  /** A player has been in it (it no longer counts against its creator's unjoined rooms). */
  joined?: boolean;
  snapshot?: Uint8Array;
  /** OPENING: when another Manager may reclaim it. MOVING: when the move may be claimed. */
  leaseUntil?: number;
  /** Its server opens it on the first join token: promised while OPENING (seats, failover). */
  opensOnToken?: boolean;
  /** When the room last started to move. */
  movingSince?: number;
}

export class MemoryState {
  readonly servers = new Map<string, GameServer>();
  readonly serverRooms = new Map<string, Set<string>>();
  readonly rooms = new Map<string, RoomRecord>();
  /** Server id -> when it counts as dead without a report. */
  readonly expiry = new Map<string, number>();
  /** Manager id -> until when it said it is alive. */
  readonly managers = new Map<string, number>();
  /** The last epoch given to any server: one counter, so a server removed and back never reuses one. */
  lastEpoch = 0;
  readonly caps = new MemoryCaps(this.rooms);

  /** The wanted regions in order, then any; within each the strategy's pick (see PlacementStrategy). */
  pick(p: Placement): { kind: "found"; server: GameServer } | { kind: "full" | "none" | "unreached" } {
    const excluded = new Set(p.excluded);
    const candidates = [...this.servers.values()].filter(
      (s) =>
        s.state === GameServerState.LIVE && !excluded.has(s.id) && hasLabels(serverLabels(s.labels, s.zone), p.labels),
    );
    const reached = (s: GameServer) =>
      !s.managerId || s.managerId === p.managerId || (this.managers.get(s.managerId) ?? 0) > p.nowMs;
    const usable = candidates.filter(reached);
    const fitting = usable.filter((s) => fits(s, p.seats));
    const free = (s: GameServer) => s.maxPlayers - s.reservedSeats;
    const better = (a: GameServer, b: GameServer) => (p.strategy === "packed" ? free(a) < free(b) : free(a) > free(b));
    for (const tier of [...p.regions.map((r) => fitting.filter((s) => s.region === r)), fitting]) {
      let best: GameServer | undefined;
      for (const s of tier) if (!best || better(s, best)) best = s;
      if (best) return { kind: "found", server: best };
    }
    const silent = candidates.filter((s) => !reached(s));
    if (silent.some((s) => fits(s, p.seats))) return { kind: "unreached" };
    return { kind: usable.length > 0 ? "full" : silent.length > 0 ? "unreached" : "none" };
  }

  place(rec: RoomRecord, s: GameServer) {
    s.reservedRooms += 1;
    s.reservedSeats += rec.room.maxPlayers;
    rec.room.serverId = s.id;
    rec.room.serverAddress = s.address;
    rec.room.region = s.region;
    rec.room.zone = s.zone;
    this.serverRooms.get(s.id)!.add(rec.room.roomId);
  }

  /** The server's seat count for the room: joined players' held seats become taken ones. */
  seated(rec: RoomRecord, count: number, joinedPlayerIds: Iterable<string>) {
    rec.room.playerCount = count;
    if (count > 0) rec.joined = true;
    for (const id of joinedPlayerIds) rec.holds.delete(id);
  }

  /** Gives the room's reservation back; with nowMs the room is left MOVING rather than deleted. */
  unplace(rec: RoomRecord, movingSince?: number) {
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
  view(rec: RoomRecord, nowMs: number): Room {
    const room = clone(RoomSchema, rec.room);
    room.freeSeats = Math.max(0, freeSeats(rec, nowMs));
    return room;
  }

  /** Due rooms in the given state, leased to the caller until nowMs + leaseMs. */
  claim(state: RoomState, c: { nowMs: number; leaseMs: number; limit: number }): RoomRecord[] {
    const out: RoomRecord[] = [];
    for (const rec of this.rooms.values()) {
      if (out.length >= c.limit) break;
      if (rec.room.state !== state || (rec.leaseUntil ?? 0) > c.nowMs) continue;
      rec.leaseUntil = c.nowMs + c.leaseMs;
      out.push(rec);
    }
    return out;
  }
}

/** Seats neither taken nor held; lapsed holds go. */
export function freeSeats(rec: RoomRecord, nowMs: number): number {
  for (const [id, until] of rec.holds) if (until <= nowMs) rec.holds.delete(id);
  return rec.room.maxPlayers - rec.room.playerCount - rec.holds.size;
}

/** It takes players: OPEN, or OPENING on a server that opens it on the first join token (promised). */
export function promised(rec: RoomRecord): boolean {
  return rec.room.state === RoomState.OPEN || (rec.room.state === RoomState.OPENING && rec.opensOnToken === true);
}

/** Offered to quick-joins: a public room with a seat that is open, or opening. */
export function queued(rec: RoomRecord, nowMs: number): boolean {
  return (
    rec.room.visibility === RoomVisibility.PUBLIC && rec.room.state !== RoomState.MOVING && freeSeats(rec, nowMs) > 0
  );
}

export function joinable(rec: RoomRecord, nowMs: number): boolean {
  return rec.room.visibility === RoomVisibility.PUBLIC && promised(rec) && freeSeats(rec, nowMs) > 0;
}
