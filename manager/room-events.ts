import type { RoomEvent } from "../gen/roomgate/v1/manager_pb.js";
import type { CommandRouter } from "./commands.js";
import type { Reconciler } from "./reconcile.js";
import type { Migration, Rooms, Seats } from "../common/store/store.js";
import type { CoreDeps } from "./deps.js";

// What a game server tells about its rooms: answers to open_room, rooms it opened on their first
// join token, seats taken, snapshots, and rooms that ended (cleaned up in reconcile.ts).

/** Room events confirm rooms opened on a token, and record players and snapshots. */
export type RoomEventsStore = Pick<Seats, "setRoomPlayers"> &
  Pick<Migration, "saveSnapshot"> &
  Pick<Rooms, "confirmRoom">;

export interface RoomEventsOptions extends CoreDeps<RoomEventsStore> {
  router: CommandRouter;
  reconciler: Reconciler;
  /** Largest room snapshot kept in the store; larger ones are dropped with a warning. */
  maxSnapshotBytes: number;
}

export class RoomEvents {
  constructor(private readonly o: RoomEventsOptions) {}

  /** Applies one event from server `serverId`. */
  async apply(serverId: string, ev: RoomEvent) {
    switch (ev.event.case) {
      case "opened":
        if (ev.event.value.onToken) return this.openedOnToken(serverId, ev.roomId);
        return this.o.router.answered(ev.roomId, serverId, "");
      case "refused":
        return this.o.router.answered(ev.roomId, serverId, `server ${serverId} refused room: ${ev.event.value.reason}`);
      case "players":
        await this.o.store.setRoomPlayers({
          roomId: ev.roomId,
          serverId,
          count: ev.event.value.count,
          joinedPlayerIds: ev.event.value.joinedPlayerIds,
          nowMs: this.o.now(),
        });
        return;
      case "snapshot":
        if (ev.event.value.snapshot.byteLength > this.o.maxSnapshotBytes) {
          this.o.log.warn("dropped an oversized room snapshot", {
            roomId: ev.roomId,
            bytes: ev.event.value.snapshot.byteLength,
            limit: this.o.maxSnapshotBytes,
          });
          return;
        }
        await this.o.store.saveSnapshot({ roomId: ev.roomId, serverId, snapshot: ev.event.value.snapshot });
        return;
      case "closed":
        return this.o.reconciler.roomClosed(
          serverId,
          ev.roomId,
          ev.event.value.reason,
          ev.event.value.snapshot,
          ev.event.value.removed,
        );
      default:
        return;
    }
  }

  /**
   * A room's first join token opened it: nobody waits for this, the store records it OPEN. A room
   * the store no longer maps there (reclaimed after its deadline, or its server was declared dead
   * and it moved on) must not live on beside its successor: the server closes it.
   */
  private async openedOnToken(serverId: string, roomId: string) {
    if (await this.o.store.confirmRoom({ roomId, serverId, nowMs: this.o.now() })) {
      this.o.log.debug("room opened on its first token", { roomId, serverId });
      return;
    }
    this.o.log.info("closing a room opened on a token that is no longer this server's", { roomId, serverId });
    this.o.router.command(serverId, { case: "closeRoom", value: { roomId } });
  }
}
