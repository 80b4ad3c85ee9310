import type { Migration, MoveRequest, MoveResult } from "../migration.js";
import type { Claim, RoomOnServer } from "../rooms.js";
import type { RedisContext } from "./context.js";
import { pairsToHash, roomFromHash } from "./hashes.js";
import { script } from "./lua.js";
import { CLAIM, roomOnServerScript } from "./rooms.js";

// The Redis store's snapshots and moving rooms, and the encoders of their scripts.

export const SAVE_SNAPSHOT = script<number>()({
  file: "save-snapshot",
  keys: ["roomKey", "snapKey"],
  args: ["serverId", "snapshot"],
  encode: (k, s: RoomOnServer & { snapshot: Uint8Array }) => ({
    keys: { roomKey: k.room(s.roomId), snapKey: k.snapshot(s.roomId) },
    args: { serverId: s.serverId, snapshot: Buffer.from(s.snapshot) },
  }),
});

export const HAND_OVER = script<number>()({
  file: "hand-over",
  keys: ["roomKey"],
  args: ["prefix", "roomId", "serverId", "hasSnapshot", "snapshot", "nowMs", "leaseMs"],
  encode: (k, h: RoomOnServer & { snapshot?: Uint8Array; nowMs: number; leaseMs: number }) => ({
    keys: { roomKey: k.room(h.roomId) },
    args: {
      prefix: k.prefix,
      roomId: h.roomId,
      serverId: h.serverId,
      hasSnapshot: h.snapshot ? "1" : "0",
      snapshot: h.snapshot ? Buffer.from(h.snapshot) : "",
      nowMs: h.nowMs,
      leaseMs: h.leaseMs,
    },
  }),
});

export const MOVE_ROOM = script<[string, string[] | string]>()({
  file: "move-room",
  keys: ["roomKey"],
  args: ["prefix", "roomId", "strategy", "nowMs"],
  rest: "excluded",
  encode: (k, m: MoveRequest) => ({
    keys: { roomKey: k.room(m.roomId) },
    args: { prefix: k.prefix, roomId: m.roomId, strategy: m.strategy, nowMs: m.nowMs },
    rest: m.excluded,
  }),
});

export const FINISH_MOVE = roomOnServerScript("finish-move");

export class RedisMigration implements Migration {
  constructor(private readonly c: RedisContext) {}

  async saveSnapshot(s: RoomOnServer & { snapshot: Uint8Array }) {
    return (await this.c.run(SAVE_SNAPSHOT, s)) === 1;
  }

  async getSnapshot(roomId: string) {
    const b = await this.c.redis.getBuffer(this.c.keys.snapshot(roomId));
    return b ? new Uint8Array(b) : undefined;
  }

  async handOver(h: RoomOnServer & { snapshot?: Uint8Array; nowMs: number; leaseMs: number }) {
    return (await this.c.run(HAND_OVER, h)) === 1;
  }

  async claimMoving(c: Claim) {
    return this.c.run(CLAIM, { ...c, workKey: this.c.keys.moving });
  }

  async moveRoom(m: MoveRequest): Promise<MoveResult> {
    const [kind, data] = await this.c.run(MOVE_ROOM, m);
    switch (kind) {
      case "placed":
        return { kind, room: roomFromHash(pairsToHash(data as string[])) };
      case "full":
      case "none":
      case "unreached":
        return { kind, movingSinceMs: Number(data) };
      case "gone":
        return { kind };
      default:
        throw new Error(`unexpected move result ${kind}`);
    }
  }

  async finishMove(r: RoomOnServer & { nowMs: number }) {
    return (await this.c.run(FINISH_MOVE, r)) === 1;
  }

  async deferMove({ roomId, untilMs }: { roomId: string; untilMs: number }) {
    await this.c.redis.zadd(this.c.keys.moving, "XX", untilMs, roomId);
  }

  async listMoving(limit: number) {
    // The move queue holds exactly the MOVING rooms (by when their move may next be claimed).
    return limit > 0 ? this.c.redis.zrange(this.c.keys.moving, "0", String(limit - 1)) : [];
  }
}
