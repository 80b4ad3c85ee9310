import { timestampMs } from "@bufbuild/protobuf/wkt";
import { RoomState, RoomVisibility } from "../../../gen/roomgate/v1/common_pb.js";
import { listCursor, parseListCursor, quickJoinKey } from "../placement.js";
import type { RoomOnServer } from "../rooms.js";
import type {
  HoldResult,
  JoinPublicResult,
  Listings,
  QuickJoin,
  QuickJoins,
  RoomQuery,
  SeatRequest,
  Seats,
} from "../seats.js";
import { freeSeats, joinable, type MemoryState, promised, queued, type RoomRecord } from "./state.js";

// The memory store's seats, quick-join and listings.

export class MemorySeats implements Seats, QuickJoins, Listings {
  constructor(private readonly s: MemoryState) {}

  async holdSeat(seat: SeatRequest & { roomId: string; rejoin: boolean }): Promise<HoldResult> {
    const rec = this.s.rooms.get(seat.roomId);
    if (!rec) return { kind: "missing" };
    const held = () => ({ kind: "held" as const, room: this.s.view(rec, seat.nowMs) });
    if (!promised(rec)) return { kind: "unavailable", room: this.s.view(rec, seat.nowMs) };
    const free = freeSeats(rec, seat.nowMs);
    if (rec.holds.has(seat.playerId)) return held();
    if (free <= 0) return seat.rejoin ? held() : { kind: "full", room: this.s.view(rec, seat.nowMs) };
    const over = this.s.caps.check(seat.holder, seat.nowMs, { room: false, seat: true });
    if (over) return over;
    rec.holds.set(seat.playerId, seat.untilMs);
    this.s.caps.record(seat.holder, seat.nowMs, { roomId: seat.roomId, seat: [seat.playerId, seat.untilMs] });
    return held();
  }

  async setRoomPlayers(r: RoomOnServer & { count: number; joinedPlayerIds: string[]; nowMs: number }) {
    const rec = this.s.rooms.get(r.roomId);
    if (!rec || rec.room.serverId !== r.serverId) return false;
    this.s.seated(rec, r.count, r.joinedPlayerIds);
    return true;
  }

  async joinPublic(q: QuickJoin): Promise<JoinPublicResult> {
    const over = this.s.caps.check(q.holder, q.nowMs, { room: false, seat: true });
    if (over) return over;
    const key = quickJoinKey(q.mode, q.maxPlayers, q.labels);
    for (const region of q.regions.length > 0 ? q.regions : [undefined]) {
      let best: RoomRecord | undefined;
      let bestFree = Infinity;
      for (const rec of this.s.rooms.values()) {
        if (rec.quickJoinKey !== key || !queued(rec, q.nowMs) || (region !== undefined && rec.room.region !== region))
          continue;
        // Fullest first (as the Redis queue's scores order them; ties by room id).
        const free = freeSeats(rec, q.nowMs);
        if (free < bestFree || (free === bestFree && rec.room.roomId < best!.room.roomId))
          [best, bestFree] = [rec, free];
      }
      if (best) {
        best.holds.set(q.playerId, q.untilMs);
        this.s.caps.record(q.holder, q.nowMs, { roomId: best.room.roomId, seat: [q.playerId, q.untilMs] });
        return { kind: "held", room: this.s.view(best, q.nowMs) };
      }
    }
    return { kind: "none" };
  }

  async listRooms(q: RoomQuery) {
    const cursor = q.after ? parseListCursor(q.after) : undefined;
    const [afterMs, afterId] = cursor ? [Number(cursor.createdMs), cursor.roomId] : [Infinity, ""];
    const created = (r: RoomRecord) => (r.room.createTime ? timestampMs(r.room.createTime) : 0);
    const page = [...this.s.rooms.values()]
      .filter(
        (r) =>
          r.room.visibility === RoomVisibility.PUBLIC &&
          (r.room.state !== RoomState.OPENING || r.opensOnToken) &&
          (q.includeFull || joinable(r, q.nowMs)) &&
          (!q.mode || r.room.mode === q.mode) &&
          (!q.region || r.room.region === q.region),
      )
      .filter((r) => created(r) < afterMs || (created(r) === afterMs && r.room.roomId < afterId))
      .sort((a, b) => created(b) - created(a) || (a.room.roomId < b.room.roomId ? 1 : -1))
      .slice(0, q.limit + 1);
    const rooms = page.slice(0, q.limit);
    const last = rooms[rooms.length - 1];
    return {
      rooms: rooms.map((r) => this.s.view(r, q.nowMs)),
      next: page.length > q.limit && last ? listCursor(created(last), last.room.roomId) : undefined,
    };
  }
}
