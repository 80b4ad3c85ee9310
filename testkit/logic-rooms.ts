import { resolve } from "node:path";
import type { Room, ViewOf } from "@roomgate/client";
import { BUILT_CLI } from "./cluster.js";
import { waitTimer } from "./wait-timer.js";

// Rooms of a logic type in tests: the examples' room module as a game server loads it, and
// awaiting a room's view instead of sleeping.

/** dist/examples/rooms.js: the dots arena and the card game "higher" (make build). */
export const EXAMPLE_ROOMS = resolve(BUILT_CLI, "..", "..", "examples", "rooms.js");

/** Resolves with the room's view once `match` holds for it (now, or after a later change event). */
export function untilView<D>(
  room: Room<D>,
  match: (view: ViewOf<D>) => boolean,
  timeoutMs = 10_000,
): Promise<ViewOf<D>> {
  const now = room.view;
  if (now !== undefined && match(now)) return Promise.resolve(now);
  return new Promise((res, rej) => {
    const timer = waitTimer(() => {
      off();
      rej(new Error(`room ${room.roomId}: view never matched within ${timeoutMs} ms: ${JSON.stringify(room.view)}`));
    }, timeoutMs);
    const off = room.on("change", (view) => {
      if (!match(view)) return;
      clearTimeout(timer);
      off();
      res(view);
    });
  });
}

/** The next message the room's logic sends this player. */
export function nextRoomMessage<D>(room: Room<D>, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((res, rej) => {
    const timer = waitTimer(() => {
      off();
      rej(new Error(`room ${room.roomId}: no room message within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = room.on("roomMessage", (m) => {
      clearTimeout(timer);
      off();
      res(m);
    });
  });
}
