import { ClusterEventKind } from "../gen/roomgate/v1/gateway_pb.js";
import type { Migration, PlacementStrategy, Rooms } from "../common/store/store.js";
import type { CommandRouter } from "./commands.js";
import type { CoreDeps } from "./deps.js";

// Moving rooms (MOVING in the store) to a live server, restored from their last snapshot: rooms
// a draining server handed over, rooms a server came back without, rooms of a dead server. The
// store hands each move to one Manager by a lease that runs out if that Manager dies.

/** The mover claims, places and finishes moves, and deletes rooms it cannot place in time. */
export type RoomMoverStore = Migration & Pick<Rooms, "deleteRoom">;

export interface RoomMoverOptions extends CoreDeps<RoomMoverStore> {
  router: CommandRouter;
  strategy: PlacementStrategy;
  openRoomTimeoutMs: number;
  /** Servers to try for one move before it waits for the next sweep. */
  maxOpenAttempts: number;
  /** How long a room may wait for a server with room before it is given up. */
  migrationTimeoutMs: number;
  sweepIntervalMs: number;
}

const PARALLEL_MOVES = 8;

export class RoomMover {
  private readonly soon = new Set<string>();

  constructor(private readonly o: RoomMoverOptions) {}

  /** How long one Manager may hold a move before another may take it over. */
  get leaseMs() {
    return this.o.openRoomTimeoutMs * (this.o.maxOpenAttempts + 1);
  }

  /** A room this Manager already holds the lease of: move it now rather than at the next sweep. */
  moveSoon(roomId: string) {
    this.soon.add(roomId);
    void Promise.resolve().then(() => {
      if (!this.soon.delete(roomId)) return;
      return this.move(roomId).catch((e) => this.o.log.error("moving room failed", { roomId, error: String(e) }));
    });
  }

  /** Claims up to `limit` moves no Manager holds (or whose lease ran out) and makes them, a few at a time. */
  async moveClaimable(nowMs: number, limit: number) {
    const claimed = await this.o.store.claimMoving({ nowMs, leaseMs: this.leaseMs, limit });
    await inParallel(claimed, PARALLEL_MOVES, (id) => this.move(id));
  }

  /** Moves one MOVING room (whose lease we hold) to a live server, restoring its last snapshot. */
  async move(roomId: string) {
    const snapshot = await this.o.store.getSnapshot(roomId);
    const excluded: string[] = [];
    for (let attempt = 0; attempt < this.o.maxOpenAttempts; attempt++) {
      const now = this.o.now();
      const r = await this.o.store.moveRoom({ roomId, strategy: this.o.strategy, excluded, nowMs: now });
      if (r.kind === "gone") return;
      if (r.kind !== "placed") {
        if (now - r.movingSinceMs >= this.o.migrationTimeoutMs) return this.lose(roomId, r.kind);
        // Try again soon: capacity may come back (a server returns, or the autoscaler adds one).
        await this.o.store.deferMove({ roomId, untilMs: now + this.o.sweepIntervalMs * 4 });
        return;
      }
      try {
        await this.o.router.open(r.room, 0, true, snapshot);
      } catch (e) {
        this.o.log.warn("server did not take a moved room; trying another", {
          roomId,
          serverId: r.room.serverId,
          error: (e as Error).message,
        });
        excluded.push(r.room.serverId);
        continue;
      }
      if (await this.o.store.finishMove({ roomId, serverId: r.room.serverId, nowMs: this.o.now() })) {
        this.o.log.info("room moved", { roomId, serverId: r.room.serverId, snapshotBytes: snapshot?.byteLength ?? 0 });
        this.o.events.publish(ClusterEventKind.ROOM_MIGRATED, {
          roomId,
          serverId: r.room.serverId,
          detail: snapshot ? `restored ${snapshot.byteLength} B` : "no snapshot",
        });
      }
      return;
    }
    await this.o.store.deferMove({ roomId, untilMs: this.o.now() + this.o.sweepIntervalMs * 4 });
  }

  private async lose(roomId: string, why: "full" | "none" | "unreached") {
    if (!(await this.o.store.deleteRoom(roomId))) return;
    const detail = {
      full: "no server had room for it in time",
      none: "no live server in time",
      unreached: "no server whose Manager is heard from in time",
    }[why];
    this.o.log.error("room lost", { roomId, why: detail });
    this.o.events.publish(ClusterEventKind.ROOM_LOST, { roomId, detail });
  }
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
