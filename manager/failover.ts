import type { Room } from "../gen/roomgate/v1/common_pb.js";
import { ClusterEventKind } from "../gen/roomgate/v1/gateway_pb.js";
import type { AttachResponseSchema } from "../gen/roomgate/v1/manager_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Logger } from "../common/log.js";
import type { Liveness, Migration, PlacementStrategy, Rooms, ServerRegistry } from "../common/store/store.js";

/** Failover declares servers dead, reclaims stalled openings and moves rooms. */
export type FailoverStore = ServerRegistry & Liveness & Rooms & Migration;

export interface FailoverOptions {
  managerId: string;
  store: FailoverStore;
  log: Logger;
  now: () => number;
  sweepIntervalMs: number;
  openRoomTimeoutMs: number;
  maxOpenAttempts: number;
  migrationTimeoutMs: number;
  missedReports: number;
  /**
   * Longest another Manager may take to reconnect to the store once it is back (its Redis
   * reconnect backoff cap): until then, the servers whose streams it holds cannot report.
   */
  storeReconnectMaxMs: number;
  strategy: PlacementStrategy;
  /** Opens a room on its (new) server and waits for it to confirm. */
  open(room: Room, restore: boolean, snapshot?: Uint8Array): Promise<void>;
  command(serverId: string, command: MessageInitShape<typeof AttachResponseSchema>["msg"]): void;
  event(kind: ClusterEventKind, fields: { roomId?: string; serverId?: string; detail?: string }): void;
  /** The store no longer holds this life of the server. */
  buried(serverId: string, epoch: number): void;
  /** The store answers (every sweep that reaches it): work it could not record before can be now. */
  storeBack(): Promise<void>;
}

const BATCH = 64;
const PARALLEL_MOVES = 8;

// The work no single Manager may be trusted to finish: declaring servers dead, moving their
// rooms, and reclaiming rooms a dead Manager placed but never saw confirmed. Every Manager sweeps;
// the store hands each piece of work to one of them (by epoch, or by a lease that runs out if
// the Manager holding it dies).
export class Failover {
  private timer?: NodeJS.Timeout;
  private sweeping = false;
  /** Nobody is declared dead until servers have had a full deadline to reach this Manager and the store. */
  private calmSince: number;
  private storeWasDown = false;
  /** Added to every server's deadline after calm began: nonzero once the store has been down. */
  private calmExtraMs = 0;
  private readonly soon = new Set<string>();

  constructor(private readonly o: FailoverOptions) {
    this.calmSince = o.now();
  }

  /** How long one Manager may hold a move before another may take it over. */
  get moveLeaseMs() {
    return this.o.openRoomTimeoutMs * (this.o.maxOpenAttempts + 1);
  }

  /** Long enough that a few slow sweeps in a row do not make this Manager's servers look orphaned. */
  private get heartbeatTtlMs() {
    return Math.max(1000, this.o.sweepIntervalMs * 4);
  }

  async start() {
    this.calmSince = this.o.now();
    this.timer = setInterval(() => void this.sweep(), this.o.sweepIntervalMs);
    await this.sweep();
  }

  async stop() {
    clearInterval(this.timer);
    await this.o.store.heartbeat({ managerId: this.o.managerId, nowMs: this.o.now(), ttlMs: 0 });
  }

  /** A room this Manager already holds the lease of: move it now rather than at the next sweep. */
  moveSoon(roomId: string) {
    this.soon.add(roomId);
    void Promise.resolve().then(() => {
      if (!this.soon.delete(roomId)) return;
      return this.move(roomId).catch((e) => this.o.log.error("moving room failed", { roomId, error: String(e) }));
    });
  }

  async sweep() {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const now = this.o.now();
      await this.o.store.heartbeat({ managerId: this.o.managerId, nowMs: now, ttlMs: this.heartbeatTtlMs });
      const dead = await this.o.store.expiredServers({ nowMs: now, limit: BATCH });
      if (this.storeWasDown) {
        // Reports could not be recorded while the store was away: everyone gets a new deadline.
        this.storeWasDown = false;
        this.calmSince = now;
        // This Manager may be the first one back: servers attached to the others report again only
        // once those have reconnected too, up to one reconnect backoff later. Without this allowance
        // their servers were declared dead and their rooms moved away from players still playing.
        this.calmExtraMs = this.o.storeReconnectMaxMs;
        this.o.log.info("room store is back; deadlines start again");
      }
      await this.o.storeBack();
      for (const s of dead) {
        // Each server gets its own full deadline after calm began before it can be declared dead.
        const server = await this.o.store.getServer(s.id);
        const deadlineMs = (server?.reportIntervalMs || 1000) * this.o.missedReports;
        if (now - this.calmSince >= deadlineMs + this.calmExtraMs) await this.bury(s.id, s.epoch, "missed its reports");
      }
      for (const room of await this.o.store.claimExpiredOpening({ nowMs: now, leaseMs: this.o.openRoomTimeoutMs * 2, limit: BATCH })) await this.reclaim(room);
      const moving = await this.o.store.claimMoving({ nowMs: now, leaseMs: this.moveLeaseMs, limit: BATCH });
      await inParallel(moving, PARALLEL_MOVES, (id) => this.move(id));
    } catch (e) {
      if (!this.storeWasDown) this.o.log.warn("sweep failed; the room store may be down", { error: String(e) });
      this.storeWasDown = true;
    } finally {
      this.sweeping = false;
    }
  }

  /** Declares one life of a server dead; of several Managers, the store lets exactly one succeed. */
  async bury(serverId: string, epoch: number, why: string) {
    const removed = await this.o.store.removeServer({ id: serverId, epoch, nowMs: this.o.now() });
    if (!removed) return;
    this.o.buried(serverId, epoch);
    const detail = `${why}; ${removed.moving.length} rooms to move, ${removed.dropped.length} unconfirmed dropped`;
    this.o.event(ClusterEventKind.SERVER_REMOVED, { serverId, detail });
    const fields = { serverId, why, moving: removed.moving.length, dropped: removed.dropped.length };
    if (why === "drained") this.o.log.info("game server removed", fields);
    else this.o.log.warn("game server removed", fields);
    for (const roomId of removed.dropped) this.o.event(ClusterEventKind.ROOM_REMOVED, { roomId, serverId, detail: "never confirmed" });
    // Claimable by any Manager at once; this one usually gets there first.
    const mine = await this.o.store.claimMoving({ nowMs: this.o.now(), leaseMs: this.moveLeaseMs, limit: BATCH });
    await inParallel(mine, PARALLEL_MOVES, (id) => this.move(id));
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
        await this.o.open(r.room, true, snapshot);
      } catch (e) {
        this.o.log.warn("server did not take a moved room; trying another", { roomId, serverId: r.room.serverId, error: (e as Error).message });
        excluded.push(r.room.serverId);
        continue;
      }
      if (await this.o.store.finishMove({ roomId, serverId: r.room.serverId, nowMs: this.o.now() })) {
        this.o.log.info("room moved", { roomId, serverId: r.room.serverId, snapshotBytes: snapshot?.byteLength ?? 0 });
        this.o.event(ClusterEventKind.ROOM_MIGRATED, { roomId, serverId: r.room.serverId, detail: snapshot ? `restored ${snapshot.byteLength} B` : "no snapshot" });
      }
      return;
    }
    await this.o.store.deferMove({ roomId, untilMs: this.o.now() + this.o.sweepIntervalMs * 4 });
  }

  private async lose(roomId: string, why: "full" | "none") {
    if (!(await this.o.store.deleteRoom(roomId))) return;
    const detail = why === "full" ? "no server had room for it in time" : "no live server in time";
    this.o.log.error("room lost", { roomId, why: detail });
    this.o.event(ClusterEventKind.ROOM_LOST, { roomId, detail });
  }

  /** A room placed by a Manager that died before its server confirmed it: nobody was told of it. */
  private async reclaim(room: Room) {
    this.o.command(room.serverId, { case: "closeRoom", value: { roomId: room.roomId } });
    if (await this.o.store.deleteRoom(room.roomId, room.serverId)) {
      this.o.event(ClusterEventKind.ROOM_REMOVED, { roomId: room.roomId, serverId: room.serverId, detail: "never confirmed" });
    }
  }
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
