import type { Room } from "../gen/roomgate/v1/common_pb.js";
import { ClusterEventKind } from "../gen/roomgate/v1/gateway_pb.js";
import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb.js";
import type { CommandRouter } from "./commands.js";
import type { Reconciler } from "./reconcile.js";
import type { RoomMover } from "./room-mover.js";
import type { Liveness, Rooms, ServerRegistry } from "../common/store/store.js";
import type { CoreDeps } from "./deps.js";
import { fenceMs } from "./fence.js";

/** Failover keeps this Manager's heartbeat, declares servers dead and reclaims stalled openings (moves go through the mover). */
export type FailoverStore = Liveness &
  Pick<ServerRegistry, "getServer"> &
  Pick<Rooms, "claimExpiredOpening" | "deleteRoom" | "confirmRoom">;

export interface FailoverOptions extends CoreDeps<FailoverStore> {
  managerId: string;
  /** Ends the streams of servers declared dead; sends close_room for rooms reclaimed. */
  router: CommandRouter;
  mover: RoomMover;
  /** Told each time a sweep reaches the store: closes it could not record before can be now. */
  reconciler: Reconciler;
  sweepIntervalMs: number;
  openRoomTimeoutMs: number;
  missedReports: number;
  /**
   * Longest another Manager may take to reconnect to the store once it is back (its Redis
   * reconnect backoff cap): until then, the servers whose streams it holds cannot report.
   */
  storeReconnectMaxMs: number;
  /** FENCE_MARGIN_MS; undefined: fencing off (fence.ts). */
  fenceMarginMs?: number;
}

/** Items of one kind (dead servers, stale opens, moves) a sweep takes from the store at once. */
const BATCH = 64;

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

  constructor(private readonly o: FailoverOptions) {
    this.calmSince = o.now();
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
      await this.o.reconciler.replayUnrecordedCloses();
      for (const s of dead) {
        // Each server gets its own full deadline after calm began before it can be declared dead.
        const server = await this.o.store.getServer(s.id);
        const intervalMs = server?.reportIntervalMs || 1000;
        const deadlineMs = intervalMs * this.o.missedReports;
        // One fencing lease more: a server that found every Manager's port refusing (their
        // processes gone, not cut off) holds its lease on that (docs/protocol.md, Fencing), so a
        // Manager that started since, slowly, must not bury it before it could register.
        const leaseMs = fenceMs(intervalMs, this.o.missedReports, this.o.fenceMarginMs);
        if (now - this.calmSince >= deadlineMs + this.calmExtraMs + leaseMs)
          await this.bury(s.id, s.epoch, "missed its reports");
      }
      for (const room of await this.o.store.claimExpiredOpening({
        nowMs: now,
        leaseMs: this.o.openRoomTimeoutMs * 2,
        limit: BATCH,
      }))
        await this.reclaim(room);
      await this.o.mover.moveClaimable(now, BATCH);
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
    this.o.router.forget(serverId, epoch, "declared dead");
    const detail = `${why}; ${removed.moving.length} rooms to move, ${removed.dropped.length} unconfirmed dropped`;
    this.o.events.publish(ClusterEventKind.SERVER_REMOVED, { serverId, detail });
    const fields = { serverId, why, moving: removed.moving.length, dropped: removed.dropped.length };
    if (why === "drained") this.o.log.info("game server removed", fields);
    else this.o.log.warn("game server removed", fields);
    for (const roomId of removed.dropped)
      this.o.events.publish(ClusterEventKind.ROOM_REMOVED, { roomId, serverId, detail: "never confirmed" });
    // Claimable by any Manager at once; this one usually gets there first.
    await this.o.mover.moveClaimable(this.o.now(), BATCH);
  }

  /**
   * A room that never opened: placed by a Manager that died before its server confirmed it, or
   * placed on a server that opens rooms on their first join token that no token reached in time.
   * Nobody ever joined it; one the store counts players in was opened by a token whose `opened`
   * was lost (a stream, or a Redis master, went down with it): it is confirmed instead.
   */
  private async reclaim(room: Room) {
    if (room.playerCount > 0) {
      const confirmed = { roomId: room.roomId, serverId: room.serverId, nowMs: this.o.now() };
      if (await this.o.store.confirmRoom(confirmed)) return;
    }
    this.o.router.command(room.serverId, { case: "closeRoom", value: { roomId: room.roomId } });
    if (await this.o.store.deleteRoom(room.roomId, room.serverId)) {
      const { roomId, serverId } = room;
      this.o.log.debug("room closed", { roomId, serverId, reason: RoomCloseReason.NEVER_JOINED });
      this.o.events.publish(ClusterEventKind.ROOM_REMOVED, { roomId, serverId, detail: "never opened" });
    }
  }
}
