// One room of a game server: its players, its shared state and the seats it keeps for players
// of a room that moved here. It knows no limits and no timers' meaning: the host decides those.
import { create, type JsonObject, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb.js";
import { ErrorCode, ServerFrameSchema, type StateEntry } from "../gen/roomgate/v1/room_pb.js";
import { CLOSE } from "@roomgate/client/protocol/close-codes";
import { RELAY } from "../common/room-type.js";
import type { RateLimiter } from "./limits.js";
import type { LogicRoom } from "./logic-room.js";

export interface Connection {
  send(bytes: Uint8Array): void;
  close(code: number, reason: string): void;
  /**
   * Pub/sub, where the server behind the connection has it (uWS topics): from now on the
   * connection hears what is published to `topic`.
   */
  subscribe?(topic: string): void;
  /** To every subscriber of `topic` but this connection. */
  publishToOthers?(topic: string, bytes: Uint8Array): void;
}

/**
 * A server's pub/sub (uWS topics, one per room): a frame for a whole room is one native call that
 * writes to every subscriber, not one JS call per player. uWS keeps published and directly sent
 * frames in order per connection.
 */
export interface Fanout {
  publish(topic: string, bytes: Uint8Array): void;
}

export interface Player {
  id: string;
  name: string;
  conn: Connection;
  /**
   * The verified identity claims this player's join token carried (player auth); undefined for
   * anonymous players. Room logic reads who a player is from here.
   */
  claims?: JsonObject;
  limiter: RateLimiter;
  /** The byte budget; absent when MAX_BYTES_PER_SECOND is 0. */
  bytes?: RateLimiter;
  lastErrorAt: number;
}

const MOVED_REASON = "room is moving to another server; rejoin through the Gateway";

/** A WebSocket close reason holds 123 bytes of UTF-8 at most: longer text is cut at a character. */
export function closeReason(text: string): string {
  let s = text;
  while (Buffer.byteLength(s) > 123) s = s.slice(0, -1);
  return s;
}

export const encode = (frame: MessageInitShape<typeof ServerFrameSchema>["frame"]) =>
  toBinary(ServerFrameSchema, create(ServerFrameSchema, { frame }));

/** What one entry counts against ROOM_STATE_MAX_BYTES: its key in UTF-8 plus its value. */
export const entryBytes = (key: string, value: Uint8Array) => Buffer.byteLength(key, "utf8") + value.byteLength;

export class Room {
  readonly players = new Map<string, Player>();
  /** Closes the room when nobody joins in time, or nobody returns within the grace. */
  timer?: NodeJS.Timeout;
  /** The shared state, key -> entry; `stateBytes` is its size as the limits count it. */
  readonly state = new Map<string, StateEntry>();
  stateBytes = 0;
  /** State or players changed since the last snapshot. */
  dirty = false;
  /** A snapshot over the size limit was already logged. */
  snapshotWarned = false;
  /** The room moved here from another server (OpenRoom.restore). */
  restored = false;
  /** Players of the snapshot a restored room was made from who have not come back yet: id -> name. */
  readonly awaited = new Map<string, string>();
  /** Ends the wait for `awaited`. */
  migrationTimer?: NodeJS.Timeout;
  /**
   * A restored room takes any rejoin ticket of its own until then: its snapshot may predate a
   * player who joined on the old server just before it died, and who is as expected back as those
   * the snapshot names.
   */
  restoredUntilMs = 0;
  /**
   * Players whose connection dropped without a leave, id -> until when they may rejoin as
   * themselves; oldest first. A player who left (close 1000) is not here: its rejoin is refused.
   */
  readonly departed = new Map<string, number>();
  /** "relay", or the type of the room logic that runs it. */
  roomType = RELAY;
  /** Opened by a join token: until then a later token could open it again, were it to end (room-host.ts). */
  openUntilMs = 0;
  /** The room's logic (a room of a logic type): it owns the state; players send it inputs. */
  logic?: LogicRoom;

  constructor(
    readonly id: string,
    public maxPlayers: number,
  ) {}

  /** Whether a rejoin ticket for this player may come in: it is here, awaited, dropped within the grace, or the room just moved. */
  expects(playerId: string, nowMs: number): boolean {
    return (
      this.players.has(playerId) ||
      this.awaited.has(playerId) ||
      (this.departed.get(playerId) ?? 0) > nowMs ||
      this.restoredUntilMs > nowMs
    );
  }

  /** Remembers (or, after a leave, forgets) a player who is gone, and drops rejoin graces that ran out. */
  departedUntil(playerId: string, untilMs: number | undefined, nowMs: number) {
    this.departed.delete(playerId);
    for (const [id, until] of this.departed) {
      if (until > nowMs) break;
      this.departed.delete(id);
    }
    if (untilMs !== undefined && untilMs > nowMs) this.departed.set(playerId, untilMs);
  }

  /** Seats taken: players plus those the room still waits for. */
  get seats() {
    return this.players.size + this.awaited.size;
  }

  /** The server's pub/sub, when its connections have it (they all come from one WebSocket server). */
  fanout?: Fanout;

  /** Whether anyone but `exceptPlayerId` would hear a publish: a frame nobody hears need not be encoded. */
  hasAudience(exceptPlayerId?: string): boolean {
    const excepted = exceptPlayerId !== undefined && this.players.has(exceptPlayerId) ? 1 : 0;
    return this.players.size > excepted;
  }

  publish(bytes: Uint8Array, exceptPlayerId?: string) {
    if (this.fanout) {
      const except = exceptPlayerId === undefined ? undefined : this.players.get(exceptPlayerId)?.conn;
      if (except?.publishToOthers) except.publishToOthers(this.id, bytes);
      else this.fanout.publish(this.id, bytes);
      return;
    }
    for (const p of this.players.values()) if (p.id !== exceptPlayerId) p.conn.send(bytes);
  }

  /** Deletes the keys a player owned, telling everyone present. */
  dropOwnedKeys(playerId: string) {
    for (const e of [...this.state.values()]) {
      if (e.ownerPlayerId !== playerId) continue;
      this.state.delete(e.key);
      this.stateBytes -= entryBytes(e.key, e.value);
      this.dirty = true;
      this.publish(encode({ case: "stateChanged", value: { entry: { key: e.key }, fromPlayerId: "" } }));
    }
  }

  /**
   * Sends every player off: closed with 4002 (moved) for MIGRATING, otherwise told why and
   * closed; for ENDED (the room's logic closed it) `why` is the logic's reason.
   */
  sendOff(reason: RoomCloseReason, why = "room closed") {
    // Most rooms close because their last player left: nobody to tell, no farewell to encode.
    if (this.players.size === 0) return;
    // The Manager moved the room elsewhere or ended it (this server was cut off meanwhile, say):
    // either way the Gateway knows, so the player asks it rather than being told the room is over.
    if (
      reason === RoomCloseReason.MIGRATING ||
      reason === RoomCloseReason.CLOSED_BY_MANAGER ||
      reason === RoomCloseReason.FENCED
    ) {
      // No error frame: nothing went wrong for the player, who simply rejoins through the Gateway.
      for (const p of this.players.values()) p.conn.close(CLOSE.moved, MOVED_REASON);
    } else {
      const shutdown = reason === RoomCloseReason.SHUTDOWN;
      const message = shutdown ? "server shutting down" : reason === RoomCloseReason.ENDED ? why : "room closed";
      const bye = encode({ case: "error", value: { code: ErrorCode.ROOM_CLOSING, message } });
      // The error frame before the close has the whole text.
      const text = closeReason(message);
      for (const p of this.players.values()) {
        p.conn.send(bye);
        p.conn.close(shutdown ? CLOSE.goingAway : CLOSE.roomClosed, text);
      }
    }
  }
}
