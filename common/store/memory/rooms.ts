import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Room, RoomSchema, RoomState } from "../../../gen/roomgate/v1/common_pb.js";
import { quickJoinKey } from "../placement.js";
import type { AllocateInput, AllocateResult, Claim, RoomOnServer, Rooms, TokenOpen } from "../rooms.js";
import type { MemoryState, RoomRecord } from "./state.js";
import type { MemorySpentTokens } from "./tokens.js";

// The memory store's room allocation and lifecycle.

export class MemoryRooms implements Rooms {
  private readonly idempotency = new Map<string, { roomId: string; expiresAt: number }>();

  /** `tokens`: where openRoomOnToken spends its token, the store's spendToken's own. */
  constructor(
    private readonly s: MemoryState,
    private readonly tokens: MemorySpentTokens,
  ) {}

  async allocateRoom(input: AllocateInput): Promise<AllocateResult> {
    if (input.requestId) {
      const prior = this.idempotency.get(input.requestId);
      if (prior && prior.expiresAt > input.nowMs) {
        const rec = this.s.rooms.get(prior.roomId);
        if (rec) return { kind: "existing", room: this.s.view(rec, input.nowMs) };
      }
    }
    if (this.s.rooms.has(input.roomId)) return { kind: "collision" };
    const over = this.s.caps.check(input.owner, input.nowMs, { room: true, seat: true });
    if (over) return over;
    const best = this.s.pick(input);
    if (best.kind !== "found") return best;
    const opensOnToken = input.tokenOpenDeadlineMs !== undefined && best.server.opensOnToken;
    if (input.tokenOpenOnly && !opensOnToken) return { kind: "needs_open" };
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
      leaseUntil: opensOnToken ? input.tokenOpenDeadlineMs : input.openDeadlineMs,
      opensOnToken,
    };
    this.s.rooms.set(room.roomId, rec);
    this.s.place(rec, best.server);
    this.s.caps.record(input.owner, input.nowMs, {
      roomId: room.roomId,
      room: input.holdUntilMs,
      seat: [input.creatorPlayerId, input.holdUntilMs],
    });
    if (input.requestId) {
      this.idempotency.set(input.requestId, { roomId: room.roomId, expiresAt: input.nowMs + input.idempotencyTtlMs });
      this.sweepIdempotency(input.nowMs);
    }
    return { kind: "created", room: this.s.view(rec, input.nowMs), opensOnToken };
  }

  async confirmRoom({ roomId, serverId }: RoomOnServer & { nowMs: number }) {
    const rec = this.s.rooms.get(roomId);
    if (!rec || rec.room.serverId !== serverId) return false;
    if (rec.room.state === RoomState.OPENING) {
      rec.room.state = RoomState.OPEN;
      rec.leaseUntil = undefined;
    }
    return rec.room.state === RoomState.OPEN;
  }

  async openRoomOnToken(t: TokenOpen) {
    if (!this.tokens.spend(t)) return "spent" as const;
    const rec = this.s.rooms.get(t.roomId);
    if (!rec || !(await this.confirmRoom(t))) return "gone" as const;
    this.s.seated(rec, t.count, [t.playerId]);
    return "opened" as const;
  }

  async claimExpiredOpening(c: Claim): Promise<Room[]> {
    return this.s.claim(RoomState.OPENING, c).map((rec) => this.s.view(rec, c.nowMs));
  }

  async getRoom(roomId: string, nowMs = Date.now()) {
    const r = this.s.rooms.get(roomId);
    return r && this.s.view(r, nowMs);
  }

  /** A scan, as the memory store does everywhere (one process, few rooms); Redis reads two counts. */
  async countRooms() {
    let opening = 0;
    let moving = 0;
    for (const { room } of this.s.rooms.values()) {
      if (room.state === RoomState.OPENING) opening++;
      else if (room.state === RoomState.MOVING) moving++;
    }
    return { opening, moving };
  }

  async deleteRoom(roomId: string, serverId?: string) {
    const rec = this.s.rooms.get(roomId);
    if (!rec || (serverId !== undefined && rec.room.serverId !== serverId)) return false;
    this.s.unplace(rec);
    this.s.rooms.delete(roomId);
    return true;
  }

  // Amortised: expired keys go when new keys come, so the map never outgrows the TTL window.
  private sweepIdempotency(nowMs: number) {
    if (this.idempotency.size % 64 !== 0) return;
    for (const [k, v] of this.idempotency) if (v.expiresAt <= nowMs) this.idempotency.delete(k);
  }
}
