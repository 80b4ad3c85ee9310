import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb.js";
import { ClusterEventKind } from "../gen/roomgate/v1/gateway_pb.js";
import { ClusterEventPublisher, roomRemoved } from "../common/cluster-events.js";
import type { Logger } from "../common/log.js";
import type { ClusterEvents } from "../common/store/channels.js";
import type { Rooms } from "../common/store/rooms.js";

// A room that ends on this server is removed from the store here, at once, rather than after its
// `closed` has crossed the Attach stream and waited its turn in the Manager: its mapping and its
// server's capacity are free one store round trip after the last player left. The store's guard
// (room id and this server's id, the same script the Manager runs) never removes a room that
// moved on. What it removed it announces itself (ROOM_REMOVED), and the Manager hears nothing of
// it: handling a `closed` it could only pass on was most of what a room cost a Manager. A room it
// did not remove (not there, or the store failed) goes the Manager's way, as before.

/** All this server may do to the store's rooms: remove one of its own that ended, and say so. */
export type RoomCleanupStore = Pick<Rooms, "deleteRoom"> & Pick<ClusterEvents, "publishEvent">;

/**
 * Reasons that end a room for good. Anything else leaves it to the Manager: MIGRATING goes on
 * elsewhere, CLOSED_BY_MANAGER is the Manager's own decision, and a reason added later (a
 * fenced room, say) is not a room this server may speak for until it is listed here.
 */
const ENDS_THE_ROOM: ReadonlySet<RoomCloseReason> = new Set([
  RoomCloseReason.EMPTY,
  RoomCloseReason.NEVER_JOINED,
  RoomCloseReason.ENDED,
]);

export class RoomCleanup {
  /** Removals in flight: rooms that are closed here, and not yet told to the Manager. */
  private readonly inFlight = new Map<string, Promise<boolean>>();
  /** The last removal failed (the store is down): one warning per outage, not one per room. */
  private failing = false;
  private readonly events: ClusterEventPublisher;

  constructor(
    private readonly store: RoomCleanupStore,
    private readonly serverId: string,
    private readonly log: Logger,
  ) {
    this.events = new ClusterEventPublisher(store, log);
  }

  /** Whether a room closed for this reason is removed here. */
  removes(reason: RoomCloseReason): boolean {
    return ENDS_THE_ROOM.has(reason);
  }

  /**
   * Removes the room if the store still maps it to this server, and announces it. Resolves true
   * when this call removed it; false when it was not there (or not ours), or the store failed: the
   * Manager then removes it as before, or records the close until its store is back. Never rejects.
   */
  remove(roomId: string, reason: RoomCloseReason): Promise<boolean> {
    const removal = this.store.deleteRoom(roomId, this.serverId).then(
      (removed) => {
        if (this.failing) this.log.info("removing ended rooms from the store again", { roomId });
        this.failing = false;
        if (removed) {
          this.log.debug("removed an ended room from the store", { roomId });
          this.events.publish(ClusterEventKind.ROOM_REMOVED, roomRemoved(roomId, this.serverId, reason));
        }
        return removed;
      },
      (e: unknown) => {
        if (!this.failing)
          this.log.warn("could not remove an ended room from the store; the Manager will", {
            roomId,
            error: (e as Error).message,
          });
        this.failing = true;
        return false;
      },
    );
    this.inFlight.set(roomId, removal);
    void removal.then(() => this.inFlight.delete(roomId));
    return removal;
  }

  /** Rooms closed here whose removal is still in flight: a registration names them as closed. */
  pending(): string[] {
    return [...this.inFlight.keys()];
  }

  /** Resolves once every removal started so far has an answer (each is bounded by the store's command timeout). */
  async settled(): Promise<void> {
    await Promise.all(this.inFlight.values());
  }
}
