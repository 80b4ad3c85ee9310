import { RoomState } from "../gen/roomgate/v1/common_pb.js";
import { ClusterEventKind } from "../gen/roomgate/v1/gateway_pb.js";
import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb.js";
import type { RoomMover } from "./room-mover.js";
import type { Migration, PlacementStrategy, Rooms } from "../common/store/store.js";
import type { CoreDeps } from "./deps.js";
import { roomRemoved } from "../common/cluster-events.js";

// Reconciling the store with what game servers say about their rooms. Every way a room's mapping
// is cleaned up lives here: a room closed (or handed over to move), one closed while no Manager
// listened, a close the store could not record (replayed once it is back), and a room a server
// came back without.

/** Reconciliation reads, confirms and deletes rooms, and hands rooms over to be moved. */
export type ReconcilerStore = Pick<Rooms, "getRoom" | "deleteRoom" | "confirmRoom"> &
  Pick<Migration, "handOver" | "moveRoom" | "deferMove">;

export interface ReconcilerOptions extends CoreDeps<ReconcilerStore> {
  mover: RoomMover;
  /** Largest room snapshot kept in the store; a larger final snapshot moves the room without it. */
  maxSnapshotBytes: number;
  /** Where a room taken off a fenced server goes meanwhile (the mover places it again). */
  strategy: PlacementStrategy;
}

/** What a registering server says it has, against what the store maps to it. */
export interface Registration {
  serverId: string;
  /** Rooms the store maps to this server. */
  mapped: string[];
  /** Rooms the server still runs. */
  running: string[];
  /** Rooms that closed while no Manager listened. */
  closedWhileAway: string[];
  /** Rooms the server stopped when it last fenced (a server that predates this sends none). */
  fenced?: string[];
  /** The server opens rooms on their first join token (Register.opens_on_token). */
  opensOnToken?: boolean;
}

export class Reconciler {
  /** Rooms that ended while the store could not record it: room id -> server id. */
  private readonly unrecordedCloses = new Map<string, string>();

  constructor(private readonly o: ReconcilerOptions) {}

  /**
   * At registration: rooms the store maps here that the server no longer runs (it restarted) move
   * elsewhere from their last snapshot; rooms it runs that the store does not map here it closes
   * on `registered`. Returns the rooms it keeps.
   */
  async registered(r: Registration): Promise<string[]> {
    const running = new Set(r.running);
    const closed = new Set(r.closedWhileAway);
    const fenced = new Set(r.fenced);
    const kept: string[] = [];
    for (const roomId of r.mapped) {
      if (running.has(roomId)) kept.push(roomId);
      else if (closed.has(roomId)) await this.roomClosed(r.serverId, roomId, RoomCloseReason.EMPTY, new Uint8Array());
      else if (fenced.has(roomId)) await this.fencedWhileMoving(r.serverId, roomId, r.opensOnToken ?? false);
      else await this.lost(r.serverId, roomId, r.opensOnToken ?? false);
    }
    // The `opened` of a room a token opened may have gone down with the old stream: a room that
    // stayed OPENING would be reclaimed under its players. Confirming is a no-op for open rooms.
    if (r.opensOnToken)
      await Promise.all(
        kept.map((roomId) => this.o.store.confirmRoom({ roomId, serverId: r.serverId, nowMs: this.o.now() })),
      );
    return kept;
  }

  /**
   * A room ended on its server; handed over (MIGRATING) with a snapshot, it moves instead.
   * `removedThere`: the server already removed it from the store (RoomClosed.removed), so this only
   * announces it; calling the store again could only find nothing, or a later room of that id.
   */
  async roomClosed(
    serverId: string,
    roomId: string,
    reason: RoomCloseReason,
    snapshot: Uint8Array,
    removedThere = false,
  ) {
    if (removedThere && reason !== RoomCloseReason.MIGRATING) return this.removed(serverId, roomId, reason);
    if (reason === RoomCloseReason.MIGRATING) {
      const snap = snapshot.byteLength > 0 && snapshot.byteLength <= this.o.maxSnapshotBytes ? snapshot : undefined;
      if (
        await this.o.store.handOver({
          roomId,
          serverId,
          snapshot: snap,
          nowMs: this.o.now(),
          leaseMs: this.o.mover.leaseMs,
        })
      ) {
        this.o.mover.moveSoon(roomId);
        return;
      }
    }
    let deleted: boolean;
    try {
      deleted = await this.o.store.deleteRoom(roomId, serverId);
    } catch (e) {
      // The room is over whatever the store says: record it as soon as the store is back, or
      // its mapping and capacity would stay forever.
      if (this.unrecordedCloses.size < 100_000) this.unrecordedCloses.set(roomId, serverId);
      throw e;
    }
    if (deleted) this.removed(serverId, roomId, reason);
  }

  private removed(serverId: string, roomId: string, reason: RoomCloseReason) {
    this.o.log.debug("room closed", { roomId, serverId, reason });
    this.o.events.publish(ClusterEventKind.ROOM_REMOVED, roomRemoved(roomId, serverId, reason));
  }

  /** The store answers again: records the closes it could not (stops at the first failure; the next call tries the rest). */
  async replayUnrecordedCloses() {
    if (this.unrecordedCloses.size === 0) return;
    for (const [roomId, serverId] of [...this.unrecordedCloses]) {
      try {
        if (await this.o.store.deleteRoom(roomId, serverId))
          this.o.events.publish(ClusterEventKind.ROOM_REMOVED, {
            roomId,
            serverId,
            detail: "closed while the store was down",
          });
        this.unrecordedCloses.delete(roomId);
      } catch {
        return; // down again: the next recovery tries the rest
      }
    }
    if (this.unrecordedCloses.size === 0) this.o.log.info("recorded the rooms that closed while the store was down");
  }

  /**
   * A room the server stopped in a fence. Still MOVING to it, its move opened it there before the
   * fence and may be about to finish: that move would record it open on a server without it, and
   * nothing would move it again. So it is taken off the server (placed elsewhere, or nowhere yet),
   * which fails that move's finish, and this Manager takes the move over. The server does not run
   * it, so no copy is left behind. A move that finished first left it OPEN: lost like any other.
   */
  private async fencedWhileMoving(serverId: string, roomId: string, opensOnToken: boolean) {
    const room = await this.o.store.getRoom(roomId);
    if (room?.serverId === serverId && room.state === RoomState.MOVING) {
      const nowMs = this.o.now();
      const off = await this.o.store.moveRoom({ roomId, strategy: this.o.strategy, excluded: [serverId], nowMs });
      if (off.kind !== "gone") {
        await this.o.store.deferMove({ roomId, untilMs: nowMs + this.o.mover.leaseMs });
        this.o.mover.moveSoon(roomId);
        return;
      }
    }
    await this.lost(serverId, roomId, opensOnToken);
  }

  /**
   * A server came back without a room the store gave it. One still OPENING on a server that opens
   * rooms on their first token is waiting for that token (the server never heard of it): it stays,
   * and is reclaimed after its deadline if nobody comes.
   */
  private async lost(serverId: string, roomId: string, opensOnToken: boolean) {
    const room = await this.o.store.getRoom(roomId);
    if (!room || room.serverId !== serverId) return;
    if (
      room.state === RoomState.OPEN &&
      (await this.o.store.handOver({ roomId, serverId, nowMs: this.o.now(), leaseMs: this.o.mover.leaseMs }))
    ) {
      this.o.mover.moveSoon(roomId);
    } else if (room.state === RoomState.OPENING && !opensOnToken && (await this.o.store.deleteRoom(roomId, serverId))) {
      this.o.events.publish(ClusterEventKind.ROOM_REMOVED, { roomId, serverId, detail: "server came back without it" });
    }
  }
}
