import { canonicalLabels, quickJoinKey } from "../placement.js";
import type {
  AllocateInput,
  AllocateResult,
  Claim,
  RoomOnServer,
  Rooms,
  TokenOpen,
  TokenOpenResult,
} from "../rooms.js";
import type { RedisContext } from "./context.js";
import { overCap } from "../caps.js";
import { holderArgs } from "./caps.js";
import { pairsToHash, roomFromHash, shortHash } from "./hashes.js";
import { script } from "./lua.js";

// The Redis store's room allocation and lifecycle, and the encoders of their scripts.

export const ALLOCATE = script<[string, string[]]>()({
  file: "allocate",
  keys: ["roomKey", "idemKey"],
  args: [
    "prefix",
    "roomId",
    "seats",
    "nowMs",
    "creator",
    "useIdem",
    "idemTtlMs",
    "regions",
    "strategy",
    "openDeadlineMs",
    "labels",
    "visibility",
    "mode",
    "metadata",
    "qkey",
    "holdUntilMs",
    "managerId",
    "holder",
    "maxRooms",
    "maxSeats",
    "tokDeadlineMs",
    "tokOnly",
  ],
  rest: "excluded",
  encode: (k, a: AllocateInput) => ({
    keys: { roomKey: k.room(a.roomId), idemKey: k.idempotency(a.requestId ?? "") },
    args: {
      prefix: k.prefix,
      roomId: a.roomId,
      seats: a.seats,
      nowMs: a.nowMs,
      creator: a.creatorPlayerId,
      useIdem: a.requestId ? "1" : "0",
      idemTtlMs: a.idempotencyTtlMs,
      regions: JSON.stringify(a.regions),
      strategy: a.strategy,
      openDeadlineMs: a.openDeadlineMs,
      labels: canonicalLabels(a.labels),
      visibility: a.visibility,
      mode: a.mode,
      metadata: canonicalLabels(a.metadata),
      qkey: shortHash(quickJoinKey(a.mode, a.seats, a.labels)),
      holdUntilMs: a.holdUntilMs,
      managerId: a.managerId ?? "",
      ...holderArgs(a.owner),
      tokDeadlineMs: a.tokenOpenDeadlineMs ?? "",
      tokOnly: a.tokenOpenOnly ? "1" : "",
    },
    rest: a.excluded,
  }),
});

/** A script on a room and the server that opened it (confirm, finish-move): the same keys and arguments. */
export const roomOnServerScript = (file: string) =>
  script<number>()({
    file,
    keys: ["roomKey"],
    args: ["prefix", "roomId", "serverId", "nowMs"],
    encode: (k, r: RoomOnServer & { nowMs: number }) => ({
      keys: { roomKey: k.room(r.roomId) },
      args: { prefix: k.prefix, roomId: r.roomId, serverId: r.serverId, nowMs: r.nowMs },
    }),
  });

export const CONFIRM = roomOnServerScript("confirm");

/** `spend: false`: the token was spent elsewhere just before (a cluster keeps spent tokens apart from the room's cell). */
export const OPEN_ON_TOKEN = script<string>()({
  file: "open-on-token",
  keys: ["roomKey", "spentKey"],
  args: ["prefix", "roomId", "serverId", "spend", "ttlMs", "playerId", "count", "nowMs"],
  encode: (k, t: TokenOpen & { spend: boolean }) => ({
    keys: { roomKey: k.room(t.roomId), spentKey: t.spend ? k.spentToken(t.tokenId) : k.room(t.roomId) },
    args: {
      prefix: k.prefix,
      roomId: t.roomId,
      serverId: t.serverId,
      spend: t.spend ? "1" : "0",
      ttlMs: Math.max(1, Math.ceil(t.untilMs - t.nowMs)),
      playerId: t.playerId,
      count: t.count,
      nowMs: t.nowMs,
    },
  }),
});

/** Leases due work from a sorted set: OPENING rooms to reclaim, or MOVING rooms to move. */
export const CLAIM = script<string[]>()({
  file: "claim",
  keys: ["workKey"],
  args: ["nowMs", "leaseMs", "limit"],
  encode: (_k, c: Claim & { workKey: string }) => ({
    keys: { workKey: c.workKey },
    args: { nowMs: c.nowMs, leaseMs: c.leaseMs, limit: c.limit },
  }),
});

export const DELETE_ROOM = script<number>()({
  file: "delete-room",
  keys: ["roomKey"],
  args: ["prefix", "roomId", "expectedServerId"],
  encode: (k, d: { roomId: string; serverId?: string }) => ({
    keys: { roomKey: k.room(d.roomId) },
    args: { prefix: k.prefix, roomId: d.roomId, expectedServerId: d.serverId ?? "" },
  }),
});

export class RedisRooms implements Rooms {
  constructor(private readonly c: RedisContext) {}

  async allocateRoom(input: AllocateInput): Promise<AllocateResult> {
    const [kind, hash] = await this.c.run(ALLOCATE, input);
    switch (kind) {
      case "created": {
        const h = pairsToHash(hash);
        return { kind, room: roomFromHash(h), opensOnToken: h.t === "1" };
      }
      case "existing":
        return { kind, room: roomFromHash(pairsToHash(hash)) };
      case "full":
      case "none":
      case "unreached":
      case "collision":
      case "needs_open":
        return { kind };
      case "over_cap":
        return overCap(hash[0] === "rooms" ? "rooms" : "seats", input.owner!);
      default:
        throw new Error(`unexpected allocation result ${kind}`);
    }
  }

  async confirmRoom(r: RoomOnServer & { nowMs: number }) {
    return (await this.c.run(CONFIRM, r)) === 1;
  }

  async openRoomOnToken(t: TokenOpen) {
    return this.recordOpenOnToken(t, true);
  }

  /** openRoomOnToken; `spend: false` leaves the token alone (the caller spent it). */
  async recordOpenOnToken(t: TokenOpen, spend: boolean): Promise<TokenOpenResult> {
    const result = await this.c.run(OPEN_ON_TOKEN, { ...t, spend });
    if (result === "opened" || result === "spent" || result === "gone") return result;
    throw new Error(`unexpected open-on-token result ${result}`);
  }

  async claimExpiredOpening(c: Claim) {
    const ids = await this.c.run(CLAIM, { ...c, workKey: this.c.keys.opening });
    return this.c.getRooms(ids, c.nowMs);
  }

  async getRoom(roomId: string, nowMs = Date.now()) {
    return (await this.c.getRooms([roomId], nowMs))[0];
  }

  async deleteRoom(roomId: string, serverId?: string) {
    return (await this.c.run(DELETE_ROOM, { roomId, serverId })) === 1;
  }

  async countRooms() {
    const [opening, moving] = await Promise.all([
      this.c.redis.zcard(this.c.keys.opening),
      this.c.redis.zcard(this.c.keys.moving),
    ]);
    return { opening, moving };
  }
}
