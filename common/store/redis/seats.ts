import { listCursor, parseListCursor, quickJoinKey } from "../placement.js";
import type { RoomOnServer } from "../rooms.js";
import { overCap } from "../caps.js";
import type * as seats from "../seats.js";
import { holderArgs } from "./caps.js";
import type { RedisContext } from "./context.js";
import { pairsToHash, roomFromHash, shortHash } from "./hashes.js";
import { script } from "./lua.js";

// The Redis store's seats, quick-join and listings, and the encoders of their scripts.

export const HOLD_SEAT = script<[string, string[]]>()({
  file: "hold-seat",
  keys: ["roomKey"],
  args: ["prefix", "roomId", "playerId", "untilMs", "nowMs", "rejoin", "holder", "maxSeats"],
  encode: (k, s: seats.SeatRequest & { roomId: string; rejoin: boolean }) => ({
    keys: { roomKey: k.room(s.roomId) },
    args: {
      prefix: k.prefix,
      roomId: s.roomId,
      playerId: s.playerId,
      untilMs: s.untilMs,
      nowMs: s.nowMs,
      rejoin: s.rejoin ? "1" : "0",
      holder: holderArgs(s.holder).holder,
      maxSeats: holderArgs(s.holder).maxSeats,
    },
  }),
});

export const SET_ROOM_PLAYERS = script<number>()({
  file: "set-room-players",
  keys: ["roomKey"],
  args: ["prefix", "roomId", "serverId", "count", "nowMs"],
  rest: "joined",
  encode: (k, r: RoomOnServer & { count: number; joinedPlayerIds: string[]; nowMs: number }) => ({
    keys: { roomKey: k.room(r.roomId) },
    args: { prefix: k.prefix, roomId: r.roomId, serverId: r.serverId, count: r.count, nowMs: r.nowMs },
    rest: r.joinedPlayerIds,
  }),
});

export const JOIN_PUBLIC = script<[string, string[]]>()({
  file: "join-public",
  keys: ["anyKey"],
  args: ["prefix", "qkey", "playerId", "untilMs", "nowMs", "holder", "maxSeats"],
  rest: "regions",
  encode: (k, q: seats.QuickJoin) => {
    const qkey = shortHash(quickJoinKey(q.mode, q.maxPlayers, q.labels));
    return {
      keys: { anyKey: `${k.prefix}q:${qkey}:*` },
      args: {
        prefix: k.prefix,
        qkey,
        playerId: q.playerId,
        untilMs: q.untilMs,
        nowMs: q.nowMs,
        holder: holderArgs(q.holder).holder,
        maxSeats: holderArgs(q.holder).maxSeats,
      },
      rest: q.regions,
    };
  },
});

export const LIST_PAGE = script<string[]>()({
  file: "list-page",
  keys: ["listKey"],
  args: ["prefix", "nowMs", "maxScore", "afterId", "limit"],
  encode: (k, q: seats.RoomQuery) => {
    const cursor = q.after ? parseListCursor(q.after) : { createdMs: "+inf", roomId: "" };
    return {
      keys: { listKey: k.listing(q.includeFull, q.mode, q.region) },
      args: { prefix: k.prefix, nowMs: q.nowMs, maxScore: cursor.createdMs, afterId: cursor.roomId, limit: q.limit },
    };
  },
});

export class RedisSeats implements seats.Seats, seats.QuickJoins, seats.Listings {
  constructor(private readonly c: RedisContext) {}

  async holdSeat(seat: seats.SeatRequest & { roomId: string; rejoin: boolean }): Promise<seats.HoldResult> {
    const [kind, hash] = await this.c.run(HOLD_SEAT, seat);
    switch (kind) {
      case "held":
      case "full":
      case "unavailable":
        return { kind, room: roomFromHash(pairsToHash(hash)) };
      case "missing":
        return { kind };
      case "over_cap":
        return overCap("seats", seat.holder!);
      default:
        throw new Error(`unexpected hold result ${kind}`);
    }
  }

  async setRoomPlayers(r: RoomOnServer & { count: number; joinedPlayerIds: string[]; nowMs: number }) {
    return (await this.c.run(SET_ROOM_PLAYERS, r)) === 1;
  }

  async joinPublic(q: seats.QuickJoin): Promise<seats.JoinPublicResult> {
    const [kind, hash] = await this.c.run(JOIN_PUBLIC, q);
    switch (kind) {
      case "held":
        return { kind, room: roomFromHash(pairsToHash(hash)) };
      case "none":
        return { kind };
      case "over_cap":
        return overCap("seats", q.holder!);
      default:
        throw new Error(`unexpected quick-join result ${kind}`);
    }
  }

  async listRooms(q: seats.RoomQuery) {
    const page = await this.c.run(LIST_PAGE, q);
    const ids: string[] = [];
    for (let i = 0; i < page.length && ids.length < q.limit; i += 2) ids.push(page[i]!);
    const last = ids.length * 2 - 2;
    const next = page.length > q.limit * 2 ? listCursor(page[last + 1]!, page[last]!) : undefined;
    return { rooms: await this.c.getRooms(ids, q.nowMs), next };
  }
}
