// Waiting for the cluster: wake-ups on cluster events, and a room until it opens.

import type { ClusterEvent } from "../../gen/roomgate/v1/gateway_pb.js";
import { type Room, RoomState } from "../../gen/roomgate/v1/common_pb.js";
import type { EventStore, MatchStore } from "./dependencies.js";

/**
 * Wakes a waiting call when a cluster event it cares about arrives. Events are delivered at most
 * once, so every wait also ends after its timeout and the caller looks again.
 */
export class Wakeup {
  private wake = () => {};

  private constructor(private readonly unsubscribe: () => void) {}

  static async on(store: EventStore, wanted: (e: ClusterEvent) => boolean): Promise<Wakeup> {
    let w: Wakeup | undefined;
    const unsubscribe = await store.subscribeEvents((e) => wanted(e) && w?.wake());
    w = new Wakeup(unsubscribe);
    return w;
  }

  next(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, Math.max(0, timeoutMs));
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  close() {
    this.unsubscribe();
  }
}

/** The room once it is OPEN; undefined when it went away or is still not open at the deadline. */
export async function untilOpen(
  store: Pick<MatchStore, "getRoom" | "subscribeEvents">,
  roomId: string,
  timeoutMs: number,
  checkMs = 250,
): Promise<Room | undefined> {
  const wakeup = await Wakeup.on(store, (e) => e.roomId === roomId);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const room = await store.getRoom(roomId);
      if (!room) return undefined;
      if (room.state === RoomState.OPEN) return room;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await wakeup.next(Math.min(left, checkMs));
    }
  } finally {
    wakeup.close();
  }
}
