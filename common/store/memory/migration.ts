import { RoomState } from "../../../gen/roomgate/v1/common_pb.js";
import type { Migration, MoveRequest, MoveResult } from "../migration.js";
import type { Claim, RoomOnServer } from "../rooms.js";
import type { MemoryState } from "./state.js";

// The memory store's snapshots and moving rooms.

export class MemoryMigration implements Migration {
  constructor(private readonly s: MemoryState) {}

  async saveSnapshot({ roomId, serverId, snapshot }: RoomOnServer & { snapshot: Uint8Array }) {
    const rec = this.s.rooms.get(roomId);
    if (!rec || rec.room.serverId !== serverId || rec.room.state !== RoomState.OPEN) return false;
    rec.snapshot = snapshot.slice();
    return true;
  }

  async getSnapshot(roomId: string) {
    return this.s.rooms.get(roomId)?.snapshot?.slice();
  }

  async handOver(h: RoomOnServer & { snapshot?: Uint8Array; nowMs: number; leaseMs: number }) {
    const rec = this.s.rooms.get(h.roomId);
    if (!rec || rec.room.serverId !== h.serverId) return false;
    // MOVING onto this server, and handed over before the move was finished: it moves again.
    if (rec.room.state !== RoomState.OPEN && rec.room.state !== RoomState.MOVING) return false;
    if (h.snapshot) rec.snapshot = h.snapshot.slice();
    this.s.unplace(rec, h.nowMs);
    rec.leaseUntil = h.nowMs + h.leaseMs;
    return true;
  }

  async claimMoving(c: Claim) {
    return this.s.claim(RoomState.MOVING, c).map((rec) => rec.room.roomId);
  }

  async moveRoom(m: MoveRequest): Promise<MoveResult> {
    const rec = this.s.rooms.get(m.roomId);
    if (!rec || rec.room.state !== RoomState.MOVING) return { kind: "gone" };
    // An earlier attempt that the server never confirmed gives its reservation back first.
    if (rec.room.serverId) this.s.unplace(rec, m.nowMs);
    const best = this.s.pick({
      strategy: m.strategy,
      excluded: m.excluded,
      nowMs: m.nowMs,
      regions: rec.wantRegions,
      labels: rec.room.labels,
      seats: rec.room.maxPlayers,
    });
    if (best.kind !== "found") return { kind: best.kind, movingSinceMs: rec.movingSince ?? m.nowMs };
    this.s.place(rec, best.server);
    rec.room.playerCount = 0;
    return { kind: "placed", room: this.s.view(rec, m.nowMs) };
  }

  async finishMove({ roomId, serverId }: RoomOnServer & { nowMs: number }) {
    const rec = this.s.rooms.get(roomId);
    if (!rec || rec.room.state !== RoomState.MOVING || rec.room.serverId !== serverId) return false;
    rec.room.state = RoomState.OPEN;
    rec.room.migrations += 1;
    rec.leaseUntil = undefined;
    return true;
  }

  async deferMove({ roomId, untilMs }: { roomId: string; untilMs: number }) {
    const rec = this.s.rooms.get(roomId);
    if (rec?.room.state === RoomState.MOVING) rec.leaseUntil = untilMs;
  }

  async listMoving(limit: number) {
    const out: string[] = [];
    for (const { room } of this.s.rooms.values()) {
      if (out.length >= limit) break;
      if (room.state === RoomState.MOVING) out.push(room.roomId);
    }
    return out;
  }
}
