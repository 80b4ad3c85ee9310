// The public types of a Room: its connection states, shared-state values and events.
import type { Player, Welcome } from "./gen/roomgate/v1/room_pb.js";
import type { MessageOf, ViewOf } from "./logic-types.js";

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

/** One key of the room's shared state. */
export interface StateValue {
  value: Uint8Array;
  /** The player who owns the key (it goes when they leave the room for good); "" when nobody does. */
  owner: string;
}

export interface SetStateOptions {
  /** The key belongs to this player: the server deletes it when the player leaves the room for good. */
  owned?: boolean;
}

/** A Room's events; `D` is the room's definition type (`typeof dots`) for a room of a logic type. */
export interface RoomEvents<D = unknown> {
  /**
   * Every welcome: the first, and the one after each reconnect (normally with the same player id;
   * `restored` when the room moved to another server and was restored from its last snapshot).
   */
  welcome(w: Welcome): void;
  playerJoined(p: Player): void;
  playerLeft(playerId: string): void;
  message(m: { fromPlayerId: string; payload: Uint8Array }): void;
  /** Error frames from the server (RoomServerError) and failures the room recovers from, such as a failed reconnect attempt. */
  error(e: Error): void;
  /**
   * A key of the shared state changed: `value` is undefined when it was deleted. `from` is the
   * player who changed it (this player's own setState included), or "" when the server did (an
   * owner left for good) or a welcome after a reconnect showed the change.
   */
  state(key: string, value: Uint8Array | undefined, from: string): void;
  /**
   * A room of a logic type: `view` (Room.view) changed, once per frame the room sent (at most once
   * per tick), or was replaced whole (the join, a reconnect, the room resumed on another server).
   */
  change(view: ViewOf<D>): void;
  /** A room of a logic type sent this player a message (ctx.send, ctx.broadcast). */
  roomMessage(message: MessageOf<D>): void;
  /** The connection's state: connecting, open, reconnecting, closed. */
  connection(s: ConnectionState): void;
  /** Once, at the very end; `error` says why when it was not our own leave() or a normal close. */
  closed(info: { code: number; reason: string; error?: Error }): void;
}
