import type { RoomEvent } from "../gen/roomgate/v1/manager_pb.js";
import type { CommandRouter } from "./commands.js";
import type { Reconciler } from "./reconcile.js";
import type { Migration, Seats } from "../common/store/store.js";
import type { CoreDeps } from "./deps.js";

// What a game server tells about its rooms: answers to open_room, seats taken, snapshots, and
// rooms that ended (cleaned up in reconcile.ts).

/** Room events record players and snapshots. */
export type RoomEventsStore = Pick<Seats, "setRoomPlayers"> & Pick<Migration, "saveSnapshot">;

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
      case "refused": {
        const error = ev.event.case === "refused" ? `server ${serverId} refused room: ${ev.event.value.reason}` : "";
        return this.o.router.answered(ev.roomId, serverId, error);
      }
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
        return this.o.reconciler.roomClosed(serverId, ev.roomId, ev.event.value.reason, ev.event.value.snapshot);
      default:
        return;
    }
  }
}
