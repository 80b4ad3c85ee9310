// What a game server's rooms tell whoever listens (the Manager link), and the fan-out to them.
import type { RoomCloseReason } from "../gen/roomgate/v1/manager_pb.js";

/** What the host tells its subscribers about its rooms. */
export interface RoomEvents {
  /** `onToken`: a join token opened it (RoomHost.openOnToken), not open_room. */
  opened(roomId: string, onToken?: boolean): void;
  /** Seats taken (players plus those the room still waits for); `joined`: who just took one. */
  players(roomId: string, count: number, joined?: string): void;
  /** With reason MIGRATING, `snapshot` is the room's final serialized RoomSnapshot (absent when too large). */
  closed(roomId: string, reason: RoomCloseReason, snapshot?: Uint8Array): void;
  /** A serialized RoomSnapshot of a room that changed since its last one (see takeSnapshots). */
  snapshot(roomId: string, bytes: Uint8Array): void;
}

/** Tells every subscriber, in the order they subscribed. */
export class RoomEventFanout implements RoomEvents {
  private readonly subscribers: RoomEvents[] = [];

  subscribe(listener: RoomEvents) {
    this.subscribers.push(listener);
  }

  opened(...a: Parameters<RoomEvents["opened"]>) {
    for (const s of this.subscribers) s.opened(...a);
  }

  players(...a: Parameters<RoomEvents["players"]>) {
    for (const s of this.subscribers) s.players(...a);
  }

  closed(...a: Parameters<RoomEvents["closed"]>) {
    for (const s of this.subscribers) s.closed(...a);
  }

  snapshot(...a: Parameters<RoomEvents["snapshot"]>) {
    for (const s of this.subscribers) s.snapshot(...a);
  }
}
