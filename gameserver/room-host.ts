import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb.js";
import {
  type ClientFrame,
  ClientFrameSchema,
  ErrorCode,
  type RoomSnapshot,
  RoomSnapshotSchema,
  ServerFrameSchema,
  type SetState,
  type StateEntry,
  StateEntrySchema,
} from "../gen/roomgate/v1/room_pb.js";
import type { Logger } from "../common/log.js";
import { CLOSE } from "../protocol/close-codes.js";
import { RateLimiter, type RoomLimits } from "./limits.js";

// The rooms of one game server, free of transport types: a Connection is anything that can send
// bytes and close. The host knows neither the WebSocket layer nor the Manager link: the sockets
// call into it, and it tells its RoomEvents to whoever subscribes (the link, wired in server.ts).

export interface Connection {
  send(bytes: Uint8Array): void;
  close(code: number, reason: string): void;
}

/** What the host tells its subscribers about its rooms. */
export interface RoomEvents {
  opened(roomId: string): void;
  /** Seats taken (players plus those the room still waits for); `joined`: who just took one. */
  players(roomId: string, count: number, joined?: string): void;
  /** With reason MIGRATING, `snapshot` is the room's final serialized RoomSnapshot (absent when too large). */
  closed(roomId: string, reason: RoomCloseReason, snapshot?: Uint8Array): void;
  /** A serialized RoomSnapshot of a room that changed since its last one (see takeSnapshots). */
  snapshot(roomId: string, bytes: Uint8Array): void;
}

/** How a draining server ends its rooms: hand them over at once, or let them play out first. */
export type DrainMode = "migrate" | "finish";
export const DRAIN_MODES: readonly DrainMode[] = ["migrate", "finish"];

interface Player {
  id: string;
  name: string;
  conn: Connection;
  limiter: RateLimiter;
  /** The byte budget; absent when MAX_BYTES_PER_SECOND is 0. */
  bytes?: RateLimiter;
  lastErrorAt: number;
}

interface Room {
  id: string;
  maxPlayers: number;
  players: Map<string, Player>;
  /** Closes the room when nobody joins in time, or nobody returns within the grace. */
  timer?: NodeJS.Timeout;
  /** The shared state, key -> entry; `stateBytes` is its size as the limits count it. */
  state: Map<string, StateEntry>;
  stateBytes: number;
  /** State or players changed since the last snapshot. */
  dirty: boolean;
  /** A snapshot over the size limit was already logged. */
  snapshotWarned: boolean;
  /** The room moved here from another server (OpenRoom.restore). */
  restored: boolean;
  /** Players of the snapshot a restored room was made from who have not come back yet: id -> name. */
  awaited: Map<string, string>;
  /** Ends the wait for `awaited`. */
  migrationTimer?: NodeJS.Timeout;
}

/** Why a join is refused before the WebSocket upgrade; `status` is the HTTP status to answer. */
export interface Refusal {
  status: number;
  reason: string;
}

const encode = (frame: MessageInitShape<typeof ServerFrameSchema>["frame"]) =>
  toBinary(ServerFrameSchema, create(ServerFrameSchema, { frame }));

const MOVED_REASON = "room is moving to another server; rejoin through the Gateway";

/** What one entry counts against ROOM_STATE_MAX_BYTES: its key in UTF-8 plus its value. */
const entryBytes = (key: string, value: Uint8Array) => Buffer.byteLength(key, "utf8") + value.byteLength;

/** Characters as people count them (code points), without splitting a short key at all. */
const keyChars = (key: string, max: number) => (key.length <= max ? key.length : [...key].length);

export class RoomHost {
  private readonly rooms = new Map<string, Room>();
  private playerCount = 0;
  draining = false;
  private drainDone?: Promise<void>;
  /** Resolves a finish-mode drain once the last room is gone. */
  private onDrained?: () => void;
  private drainTimer?: NodeJS.Timeout;
  private readonly subscribers: RoomEvents[] = [];
  /** Tells every subscriber. */
  private readonly events: RoomEvents = {
    opened: (...a) => {
      for (const s of this.subscribers) s.opened(...a);
    },
    players: (...a) => {
      for (const s of this.subscribers) s.players(...a);
    },
    closed: (...a) => {
      for (const s of this.subscribers) s.closed(...a);
    },
    snapshot: (...a) => {
      for (const s of this.subscribers) s.snapshot(...a);
    },
  };

  constructor(
    /** Set once the server knows its id (after it has bound its port). */
    public serverId: string,
    private readonly limits: RoomLimits,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** From now on, `listener` hears of every room opening, filling, snapshotting and closing. */
  subscribe(listener: RoomEvents) {
    this.subscribers.push(listener);
  }

  get stats() {
    return { rooms: this.rooms.size, players: this.playerCount };
  }

  roomIds(): string[] {
    return [...this.rooms.keys()];
  }

  /**
   * The Manager placed a room here. Idempotent (opening a room that is here already reports it
   * opened again); refuses only when this server cannot take it. With `restore`, the room moved
   * here from another server: it starts from the snapshot (a serialized RoomSnapshot, empty when
   * none was taken), keeps the snapshot's players' seats for the migration grace, and does not
   * wait for a first join.
   */
  openRoom(
    roomId: string,
    maxPlayers: number,
    firstJoinTimeoutMs: number,
    restore?: { snapshot: Uint8Array },
  ): Refusal | undefined {
    if (this.rooms.has(roomId)) {
      this.events.opened(roomId);
      return undefined;
    }
    if (this.draining) return { status: 503, reason: "server is draining" };
    if (this.rooms.size >= this.limits.maxRooms) return { status: 503, reason: "server has no free room slot" };
    const room: Room = {
      id: roomId,
      maxPlayers,
      players: new Map(),
      state: new Map(),
      stateBytes: 0,
      dirty: false,
      snapshotWarned: false,
      restored: false,
      awaited: new Map(),
    };
    this.rooms.set(roomId, room);
    if (restore) {
      this.restore(room, restore.snapshot);
    } else {
      room.timer = setTimeout(() => this.closeRoom(roomId, RoomCloseReason.NEVER_JOINED), firstJoinTimeoutMs);
    }
    this.events.opened(roomId);
    return undefined;
  }

  /** Decides, before the upgrade, whether this player may join. */
  admit(roomId: string, playerId: string): Refusal | undefined {
    const room = this.rooms.get(roomId);
    if (room?.players.has(playerId)) return undefined; // a reconnect takes over its own seat, even while draining
    if (this.draining) return { status: 503, reason: "server is shutting down" };
    if (!room) return { status: 404, reason: "no such room on this server" };
    // Players a restored room still waits for keep their seats: newcomers cannot take them.
    if (!room.awaited.has(playerId) && room.players.size + room.awaited.size >= room.maxPlayers)
      return { status: 409, reason: "room is full" };
    if (this.playerCount >= this.limits.maxPlayers) return { status: 503, reason: "server is full" };
    return undefined;
  }

  join(roomId: string, playerId: string, name: string, conn: Connection): boolean {
    const refused = this.admit(roomId, playerId);
    const room = this.rooms.get(roomId);
    if (refused || !room) {
      conn.close(CLOSE.policyViolation, refused?.reason ?? "no such room");
      return false;
    }
    const previous = room.players.get(playerId);
    if (previous) {
      room.players.delete(playerId);
      this.playerCount--;
      previous.conn.close(CLOSE.replaced, "joined again from another connection");
    }
    clearTimeout(room.timer);
    room.timer = undefined;
    room.awaited.delete(playerId);
    room.players.set(playerId, {
      id: playerId,
      name,
      conn,
      limiter: new RateLimiter(this.limits.maxMessagesPerSecond, this.now),
      bytes: this.limits.maxBytesPerSecond > 0 ? new RateLimiter(this.limits.maxBytesPerSecond, this.now) : undefined,
      lastErrorAt: -Infinity,
    });
    this.playerCount++;
    room.dirty = true;
    conn.send(
      encode({
        case: "welcome",
        value: {
          roomId,
          playerId,
          serverId: this.serverId,
          maxPlayers: room.maxPlayers,
          players: [...room.players.values()].map((p) => ({ id: p.id, name: p.name })),
          state: [...room.state.values()],
          restored: room.restored,
        },
      }),
    );
    if (!previous)
      this.publish(room, encode({ case: "playerJoined", value: { player: { id: playerId, name } } }), playerId);
    this.events.players(roomId, room.players.size + room.awaited.size, playerId);
    return true;
  }

  /** A connection ended. Only the connection that holds the seat frees it. */
  leave(roomId: string, playerId: string, conn: Connection) {
    const room = this.rooms.get(roomId);
    const player = room?.players.get(playerId);
    if (!room || !player || player.conn !== conn) return;
    room.players.delete(playerId);
    this.playerCount--;
    room.dirty = true;
    this.publish(room, encode({ case: "playerLeft", value: { playerId } }));
    this.dropOwnedKeys(room, playerId);
    this.events.players(roomId, room.players.size + room.awaited.size);
    if (room.players.size === 0) this.emptied(room);
  }

  /** One frame from a player. Bad frames cost that player an error (and for some a close), never the room. */
  frame(roomId: string, playerId: string, data: Uint8Array, isBinary: boolean) {
    const room = this.rooms.get(roomId);
    const player = room?.players.get(playerId);
    if (!room || !player) return;
    if (!isBinary)
      return this.reject(
        player,
        ErrorCode.TEXT_FRAME,
        "frames must be binary ClientFrame messages",
        CLOSE.policyViolation,
      );
    if (data.byteLength > this.limits.maxFrameBytes) {
      return this.reject(
        player,
        ErrorCode.FRAME_TOO_LARGE,
        `frame of ${data.byteLength} bytes exceeds the ${this.limits.maxFrameBytes}-byte limit`,
        CLOSE.tooBig,
      );
    }
    if (!player.limiter.take()) {
      return this.reject(
        player,
        ErrorCode.RATE_LIMITED,
        `more than ${this.limits.maxMessagesPerSecond} frames per second; frame dropped`,
      );
    }
    // Frames fan out to the whole room: bytes, not only frames, are what a sender costs everyone.
    if (player.bytes && !player.bytes.take(data.byteLength)) {
      return this.reject(
        player,
        ErrorCode.RATE_LIMITED,
        `more than ${this.limits.maxBytesPerSecond} bytes per second; frame dropped`,
      );
    }
    let msg: ClientFrame;
    try {
      msg = fromBinary(ClientFrameSchema, data);
    } catch (e) {
      return this.reject(
        player,
        ErrorCode.MALFORMED_FRAME,
        `not a ClientFrame: ${(e as Error).message}`,
        CLOSE.policyViolation,
      );
    }
    switch (msg.frame.case) {
      case "broadcast":
        this.publish(
          room,
          encode({ case: "message", value: { fromPlayerId: playerId, payload: msg.frame.value.payload } }),
          playerId,
        );
        return;
      case "sendTo": {
        const to = room.players.get(msg.frame.value.playerId);
        if (!to)
          return this.reject(player, ErrorCode.UNKNOWN_PLAYER, `no player ${msg.frame.value.playerId} in this room`);
        to.conn.send(encode({ case: "message", value: { fromPlayerId: playerId, payload: msg.frame.value.payload } }));
        return;
      }
      case "ping":
        player.conn.send(encode({ case: "pong", value: { nonce: msg.frame.value.nonce } }));
        return;
      case "setState":
        return this.setState(room, player, msg.frame.value);
      default:
        return this.reject(
          player,
          ErrorCode.MALFORMED_FRAME,
          "ClientFrame has no known frame set",
          CLOSE.policyViolation,
        );
    }
  }

  /** Ends a room here. Its players are closed with 4002 (moved) for MIGRATING, otherwise told why and closed. */
  closeRoom(roomId: string, reason: RoomCloseReason, snapshot?: Uint8Array) {
    const room = this.rooms.get(roomId);
    if (!room) return;
    this.rooms.delete(roomId);
    clearTimeout(room.timer);
    clearTimeout(room.migrationTimer);
    // The Manager moved the room elsewhere or ended it (this server was cut off meanwhile, say):
    // either way the Gateway knows, so the player asks it rather than being told the room is over.
    if (reason === RoomCloseReason.MIGRATING || reason === RoomCloseReason.CLOSED_BY_MANAGER) {
      // No error frame: nothing went wrong for the player, who simply rejoins through the Gateway.
      for (const p of room.players.values()) p.conn.close(CLOSE.moved, MOVED_REASON);
    } else {
      const shutdown = reason === RoomCloseReason.SHUTDOWN;
      const bye = encode({
        case: "error",
        value: { code: ErrorCode.ROOM_CLOSING, message: shutdown ? "server shutting down" : "room closed" },
      });
      for (const p of room.players.values()) {
        p.conn.send(bye);
        p.conn.close(shutdown ? CLOSE.goingAway : CLOSE.roomClosed, shutdown ? "server shutting down" : "room closed");
      }
    }
    this.playerCount -= room.players.size;
    room.players.clear();
    this.events.closed(roomId, reason, snapshot);
    this.log.debug("room closed", { roomId, reason: RoomCloseReason[reason], snapshotBytes: snapshot?.byteLength });
    if (this.draining && this.rooms.size === 0) this.onDrained?.();
  }

  /** Emits a snapshot of every room that changed since its last one; the server calls this on a timer. */
  takeSnapshots() {
    for (const room of this.rooms.values()) {
      if (!room.dirty) continue;
      room.dirty = false;
      const bytes = this.snapshotOf(room);
      if (bytes) this.events.snapshot(room.id, bytes);
    }
  }

  /** Every room gets a fresh snapshot at the next takeSnapshots (a new Manager session may have none). */
  markAllDirty() {
    for (const room of this.rooms.values()) room.dirty = true;
  }

  /** Keeps only the rooms the Manager still maps here (after a re-registration). */
  retainOnly(roomIds: string[]) {
    const keep = new Set(roomIds);
    for (const id of this.roomIds()) if (!keep.has(id)) this.closeRoom(id, RoomCloseReason.CLOSED_BY_MANAGER);
  }

  /**
   * Stops taking rooms and players and hands every room over; resolves once no room is left.
   * `migrate` hands them over at once: each is closed with reason MIGRATING and its final
   * snapshot, its players with 4002. `finish` lets rooms with players play on until they empty,
   * and migrates whatever is left after `timeoutMs`. Rooms that are empty when the drain begins
   * (waiting for a first player, or for players to return) are migrated at once, as nobody can
   * join them here any more. Calling it again returns the same promise.
   */
  drain(mode: DrainMode, timeoutMs: number): Promise<void> {
    if (this.drainDone) return this.drainDone;
    this.draining = true;
    if (mode === "migrate") {
      this.migrateAll();
      return (this.drainDone = Promise.resolve());
    }
    for (const room of [...this.rooms.values()]) if (room.players.size === 0) this.migrate(room);
    if (this.rooms.size === 0) return (this.drainDone = Promise.resolve());
    this.log.info("draining: rooms play on until they empty", { rooms: this.rooms.size, timeoutMs });
    return (this.drainDone = new Promise<void>((resolve) => {
      this.onDrained = () => {
        clearTimeout(this.drainTimer);
        this.onDrained = undefined;
        resolve();
      };
      this.drainTimer = setTimeout(() => {
        this.log.info("drain deadline: migrating the rooms still running", { rooms: this.rooms.size });
        this.migrateAll();
      }, timeoutMs);
    }));
  }

  private migrateAll() {
    for (const room of [...this.rooms.values()]) this.migrate(room);
  }

  /** Closes a room as MIGRATING with its final snapshot, so the Manager can restore it elsewhere. */
  private migrate(room: Room) {
    this.closeRoom(room.id, RoomCloseReason.MIGRATING, this.snapshotOf(room));
  }

  /** The room as a serialized RoomSnapshot, or undefined (logged once per room) when over the limit. */
  private snapshotOf(room: Room): Uint8Array | undefined {
    const players = [...room.players.values()].map((p) => ({ id: p.id, name: p.name }));
    // Players a restored room still waits for keep their seats wherever the room goes next.
    for (const [id, name] of room.awaited) players.push({ id, name });
    const bytes = toBinary(
      RoomSnapshotSchema,
      create(RoomSnapshotSchema, {
        state: [...room.state.values()],
        players,
        maxPlayers: room.maxPlayers,
        takenAtMs: BigInt(this.now()),
      }),
    );
    if (bytes.byteLength <= this.limits.snapshotMaxBytes) return bytes;
    if (!room.snapshotWarned) {
      room.snapshotWarned = true;
      this.log.warn("room snapshot too large; not sent", {
        roomId: room.id,
        bytes: bytes.byteLength,
        limit: this.limits.snapshotMaxBytes,
      });
    }
    return undefined;
  }

  /** A restored room starts from its snapshot and waits the migration grace for the snapshot's players. */
  private restore(room: Room, bytes: Uint8Array) {
    room.restored = true;
    let snap: RoomSnapshot | undefined;
    if (bytes.byteLength > 0) {
      try {
        snap = fromBinary(RoomSnapshotSchema, bytes);
      } catch (e) {
        this.log.warn("room snapshot unreadable; restoring the room empty", {
          roomId: room.id,
          error: (e as Error).message,
        });
      }
    }
    if (snap) {
      room.maxPlayers = snap.maxPlayers || room.maxPlayers;
      for (const e of snap.state) {
        if (!e.key || e.value.byteLength === 0) continue;
        room.state.set(e.key, e);
        room.stateBytes += entryBytes(e.key, e.value);
      }
      for (const p of snap.players) if (p.id) room.awaited.set(p.id, p.name);
    }
    room.migrationTimer = setTimeout(() => this.migrationGraceEnded(room.id), this.limits.migrationGraceMs);
    this.log.info("room restored", {
      roomId: room.id,
      keys: room.state.size,
      awaited: room.awaited.size,
      takenAtMs: snap ? Number(snap.takenAtMs) : undefined,
    });
  }

  /** Whoever of a restored room's players did not come back is gone for good: their owned keys go too. */
  private migrationGraceEnded(roomId: string) {
    const room = this.rooms.get(roomId);
    if (!room) return;
    room.migrationTimer = undefined;
    const gone = [...room.awaited.keys()];
    room.awaited.clear();
    for (const id of gone) this.dropOwnedKeys(room, id);
    if (gone.length > 0) room.dirty = true;
    if (room.players.size === 0) this.closeRoom(roomId, RoomCloseReason.EMPTY);
  }

  /** The last player left. */
  private emptied(room: Room) {
    // A restored room waits for its players until the migration grace ends, whatever happens.
    if (room.awaited.size > 0 && !this.draining) return;
    if (this.draining) {
      // Nobody can join here any more: waiting is pointless. A room someone may come back to
      // (reconnect grace, or players a restored room still waits for) moves on instead.
      if (this.limits.reconnectGraceMs > 0 || room.awaited.size > 0) this.migrate(room);
      else this.closeRoom(room.id, RoomCloseReason.EMPTY);
      return;
    }
    if (this.limits.reconnectGraceMs > 0) {
      room.timer = setTimeout(() => this.closeRoom(room.id, RoomCloseReason.EMPTY), this.limits.reconnectGraceMs);
    } else {
      this.closeRoom(room.id, RoomCloseReason.EMPTY);
    }
  }

  private setState(room: Room, player: Player, set: SetState) {
    const { key, value } = set;
    const max = this.limits.stateMaxKeyChars;
    if (!key || keyChars(key, max) > max)
      return this.reject(player, ErrorCode.STATE_LIMIT, `state keys are 1 to ${max} characters`);
    const old = room.state.get(key);
    if (old?.ownerPlayerId && old.ownerPlayerId !== player.id) {
      return this.reject(player, ErrorCode.NOT_OWNER, `state key ${key} is owned by player ${old.ownerPlayerId}`);
    }
    const oldBytes = old ? entryBytes(old.key, old.value) : 0;
    let entry: StateEntry;
    if (value.byteLength === 0) {
      if (!old) return; // deleting what is not there changes nothing
      room.state.delete(key);
      room.stateBytes -= oldBytes;
      entry = create(StateEntrySchema, { key });
    } else {
      if (!old && room.state.size >= this.limits.stateMaxKeys) {
        return this.reject(player, ErrorCode.STATE_LIMIT, `room state holds at most ${this.limits.stateMaxKeys} keys`);
      }
      const bytes = room.stateBytes - oldBytes + entryBytes(key, value);
      if (bytes > this.limits.stateMaxBytes) {
        return this.reject(
          player,
          ErrorCode.STATE_LIMIT,
          `room state would take ${bytes} bytes; the limit is ${this.limits.stateMaxBytes}`,
        );
      }
      // A copy: the frame's bytes belong to the socket layer, which may reuse them.
      entry = create(StateEntrySchema, { key, value: value.slice(), ownerPlayerId: set.owned ? player.id : "" });
      room.state.set(key, entry);
      room.stateBytes = bytes;
    }
    room.dirty = true;
    this.publish(room, encode({ case: "stateChanged", value: { entry, fromPlayerId: player.id } }), player.id);
  }

  /** Deletes the keys a player owned, telling everyone present. */
  private dropOwnedKeys(room: Room, playerId: string) {
    for (const e of [...room.state.values()]) {
      if (e.ownerPlayerId !== playerId) continue;
      room.state.delete(e.key);
      room.stateBytes -= entryBytes(e.key, e.value);
      room.dirty = true;
      this.publish(room, encode({ case: "stateChanged", value: { entry: { key: e.key }, fromPlayerId: "" } }));
    }
  }

  private publish(room: Room, bytes: Uint8Array, exceptPlayerId?: string) {
    for (const p of room.players.values()) if (p.id !== exceptPlayerId) p.conn.send(bytes);
  }

  private reject(player: Player, code: ErrorCode, message: string, closeCode?: number) {
    // One error frame a second at most, so a flood of bad frames cannot make us flood back.
    const t = this.now();
    if (closeCode !== undefined || t - player.lastErrorAt >= 1000) {
      player.lastErrorAt = t;
      player.conn.send(encode({ case: "error", value: { code, message } }));
    }
    if (closeCode !== undefined) player.conn.close(closeCode, message.slice(0, 100));
  }
}
