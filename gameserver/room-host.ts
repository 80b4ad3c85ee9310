// The rooms of one game server, free of transport types: a Connection is anything that can send
// bytes and close. The host knows neither the WebSocket layer nor the Manager link: the sockets
// call into it, and it tells its RoomEvents to whoever subscribes (the link, wired in server.ts).
// Longer than our ~350 lines on purpose: admission, seats, drain and restore all read and change
// the one room map and player count; frames (room-frames.ts), snapshots (room-snapshot.ts) and
// logic rooms (logic-room.ts) already live apart.
import type { JsonObject } from "@bufbuild/protobuf";
import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb.js";
import type { RoomOpenClaims } from "../gen/roomgate/v1/room_pb.js";
import type { Logger } from "../common/log.js";
import { isRelay, RELAY } from "../common/room-type.js";
import { refusals } from "../common/metrics/refusals.js";
import { CLOSE } from "@roomgate/client/protocol/close-codes";
import type { AnyRoomDefinition } from "../rooms/index.js";
import { RateLimiter, type RoomLimits } from "./limits.js";
import { LogicRoom } from "./logic-room.js";
import { encodeSync } from "./hot-frames.js";
import { closeReason, type Connection, encode, type Fanout, Room } from "./room.js";
import { RoomEventFanout, type RoomEvents } from "./room-events.js";
import { FrameHandler } from "./room-frames.js";
import { restoreFrom, snapshotOf } from "./room-snapshot.js";

export type { Connection, Fanout } from "./room.js";
export type { RoomEvents } from "./room-events.js";

/** How a draining server ends its rooms: hand them over at once, or let them play out first. */
export type DrainMode = "migrate" | "finish";
export const DRAIN_MODES: readonly DrainMode[] = ["migrate", "finish"];

/** What OpenRoom says of a room besides its seats: its type, and its metadata (a logic room's onCreate sees it). */
export interface RoomKind {
  roomType?: string;
  metadata?: Readonly<Record<string, string>>;
}

/** Why a join is refused before the WebSocket upgrade; `status` is the HTTP status to answer. */
export interface Refusal {
  status: number;
  reason: string;
}

const NO_ROOM: Refusal = { status: 404, reason: "no such room on this server" };

/** What a join token says of the player beyond its id and name. */
export interface Joining {
  /** A ticket to come back as this player: admitted only while the room expects it back. */
  rejoin?: boolean;
  /** The verified identity claims (player auth), kept on the Player for room logic. */
  claims?: JsonObject;
}

export class RoomHost {
  private readonly rooms = new Map<string, Room>();
  private playerCount = 0;
  draining = false;
  /** The rooms were fenced (no Manager confirmed this server in time): no room opens until it registers again. */
  private fenced = false;
  private drainDone?: Promise<void>;
  /** Resolves a finish-mode drain once the last room is gone. */
  private onDrained?: () => void;
  private drainTimer?: NodeJS.Timeout;
  private readonly events = new RoomEventFanout();
  private readonly frames: FrameHandler;
  /** The WebSocket server's pub/sub, for rooms opened from now on (without it, rooms send to each player). */
  fanout?: Fanout;
  /** The room types this server runs besides relay (GAMESERVER_ROOMS), by name. */
  private readonly definitions: ReadonlyMap<string, AnyRoomDefinition>;
  /**
   * Rooms a token opened that have ended while other tokens for them may still open them: room id
   * -> until when (their open_until_ms). Kept in about the order they end, which is about the
   * order they expire, so expired ones go from the front.
   */
  private readonly ended = new Map<string, number>();

  constructor(
    /** Set once the server knows its id (after it has bound its port). */
    public serverId: string,
    private readonly limits: RoomLimits,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    definitions: readonly AnyRoomDefinition[] = [],
  ) {
    this.frames = new FrameHandler(limits, now);
    this.definitions = new Map(definitions.map((d) => [d.type, d]));
  }

  /** From now on, `listener` hears of every room opening, filling, snapshotting and closing. */
  subscribe(listener: RoomEvents) {
    this.events.subscribe(listener);
  }

  get stats() {
    return { rooms: this.rooms.size, players: this.playerCount };
  }

  /**
   * The logic rooms whose CPU time moved since the last call, or that went quiet since: the load
   * report carries them (one entry per room at most, so its size is bounded by the server's rooms).
   */
  roomCpu(): { roomId: string; cpuSeconds: number; load: number }[] {
    const out: { roomId: string; cpuSeconds: number; load: number }[] = [];
    for (const [roomId, room] of this.rooms) {
      const cpu = room.logic?.cpuSince();
      if (cpu) out.push({ roomId, ...cpu });
    }
    return out;
  }

  /** Whether the room runs here. */
  runs(roomId: string): boolean {
    return this.rooms.has(roomId);
  }

  roomIds(): string[] {
    return [...this.rooms.keys()];
  }

  /** Who a player in a room is: its id, name and verified claims (the seam room logic reads). */
  player(roomId: string, playerId: string): { id: string; name: string; claims?: JsonObject } | undefined {
    const p = this.rooms.get(roomId)?.players.get(playerId);
    return p && { id: p.id, name: p.name, claims: p.claims };
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
    kind: RoomKind = {},
  ): Refusal | undefined {
    if (this.rooms.has(roomId)) {
      this.events.opened(roomId);
      return undefined;
    }
    const type = kind.roomType ?? "";
    const definition = isRelay(type) ? undefined : this.definitions.get(type);
    if (!isRelay(type) && !definition) return this.unknownType(type);
    const full = this.cannotTake();
    if (full) return full;
    const room = this.add(roomId, maxPlayers, definition);
    const metadata = kind.metadata ?? {};
    if (restore) {
      this.restore(room, restore.snapshot, definition, metadata);
    } else {
      if (definition) room.logic = this.startLogic(room, definition, metadata);
      room.timer = setTimeout(() => this.closeRoom(roomId, RoomCloseReason.NEVER_JOINED), firstJoinTimeoutMs);
    }
    this.events.opened(roomId);
    return undefined;
  }

  /**
   * A valid join token for a room not here, carrying what opens it: the Manager placed the room
   * here without open_room, and the first token to arrive opens it, as open_room would have (the
   * Manager hears `opened` on the token and records it). Nothing happens for a room that runs here
   * already. After its open window, or once a room a token opened has ended, tokens open nothing
   * (404), so a late one never brings a finished room back. A server that cannot keep the room
   * (draining, or no free slot) opens it only to hand it over at once, as a drain does: it moves to
   * another server, and the player, refused with 503, follows it through the Gateway.
   */
  openOnToken(roomId: string, open: RoomOpenClaims): Refusal | undefined {
    if (this.rooms.has(roomId)) return undefined;
    // A token from before the fence may name a room that runs elsewhere by now.
    if (this.fenced) return { status: 503, reason: "server is cut off from its Managers" };
    const now = this.now();
    const openUntilMs = Number(open.openUntilMs);
    if (openUntilMs <= now || this.hasEnded(roomId, now)) return NO_ROOM;
    const type = open.roomType;
    const definition = isRelay(type) ? undefined : this.definitions.get(type);
    if (!isRelay(type) && !definition) return this.unknownType(type);
    const full = this.cannotTake();
    const room = this.add(roomId, open.maxPlayers, definition);
    room.openUntilMs = openUntilMs;
    this.events.opened(roomId, true);
    if (full) {
      this.migrate(room);
      return full;
    }
    if (definition) room.logic = this.startLogic(room, definition, open.metadata);
    room.timer = setTimeout(() => this.closeRoom(roomId, RoomCloseReason.NEVER_JOINED), openUntilMs - now);
    return undefined;
  }

  private unknownType(type: string): Refusal {
    return { status: 409, reason: `this server does not run room type "${type}"` };
  }

  /** Why this server takes no new room, if it does not. */
  private cannotTake(): Refusal | undefined {
    if (this.draining) return { status: 503, reason: "server is draining" };
    if (this.rooms.size >= this.limits.maxRooms) return { status: 503, reason: "server has no free room slot" };
    return undefined;
  }

  private add(roomId: string, maxPlayers: number, definition: AnyRoomDefinition | undefined): Room {
    const room = new Room(roomId, maxPlayers);
    room.fanout = this.fanout;
    room.roomType = definition?.type ?? RELAY;
    this.rooms.set(roomId, room);
    return room;
  }

  private hasEnded(roomId: string, now: number): boolean {
    for (const [id, until] of this.ended) {
      if (until > now) break;
      this.ended.delete(id);
    }
    return this.ended.has(roomId);
  }

  /** Decides, before the upgrade, whether this player may join. */
  admit(roomId: string, playerId: string, rejoin = false): Refusal | undefined {
    const room = this.rooms.get(roomId);
    if (room?.players.has(playerId)) return undefined; // a reconnect takes over its own seat, even while draining
    if (this.draining) return { status: 503, reason: "server is shutting down" };
    if (!room) return NO_ROOM;
    // A rejoin ticket is a way back, not a way in: never after a leave, nor after the grace.
    if (rejoin && !room.expects(playerId, this.now()))
      return { status: 403, reason: "player is not expected back in this room (it left, or was away too long)" };
    // Players a restored room still waits for keep their seats: newcomers cannot take them.
    if (!room.awaited.has(playerId) && room.seats >= room.maxPlayers) return { status: 409, reason: "room is full" };
    if (this.playerCount >= this.limits.maxPlayers) return { status: 503, reason: "server is full" };
    return undefined;
  }

  join(roomId: string, playerId: string, name: string, conn: Connection, joining: Joining = {}): boolean {
    const refused = this.admit(roomId, playerId, joining.rejoin);
    const room = this.rooms.get(roomId);
    if (refused || !room) {
      conn.close(CLOSE.policyViolation, refused?.reason ?? NO_ROOM.reason);
      return false;
    }
    // A logic room decides first (its onJoin may refuse, with a reason the player sees); the
    // state it has for the player follows the welcome.
    let frames: Uint8Array[] = [];
    if (room.logic) {
      const joined = room.logic.join({ id: playerId, name, claims: joining.claims });
      if (!joined.outcome.ok) {
        refusals.gameserver.admission++;
        conn.close(CLOSE.refused, closeReason(joined.outcome.reason));
        return false;
      }
      frames = joined.frames;
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
    room.departedUntil(playerId, undefined, this.now());
    room.players.set(playerId, {
      id: playerId,
      name,
      conn,
      claims: joining.claims,
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
          roomType: room.roomType,
        },
      }),
    );
    for (const frame of frames) conn.send(encodeSync(frame));
    // From here on what the room publishes reaches this player too (after what it was sent above).
    conn.subscribe?.(roomId);
    if (!previous && room.hasAudience(playerId))
      room.publish(encode({ case: "playerJoined", value: { player: { id: playerId, name } } }), playerId);
    this.events.players(roomId, room.seats, playerId);
    return true;
  }

  /** A player admitted here whose connection ended before it was seated may rejoin within the grace. */
  expectBack(roomId: string, playerId: string) {
    const room = this.rooms.get(roomId);
    if (!room || room.players.has(playerId)) return;
    this.departed(room, playerId, false);
  }

  /** Starts a gone player's rejoin grace, or (it left, or there is no grace) ends any it had. */
  private departed(room: Room, playerId: string, left: boolean) {
    const now = this.now();
    const grace = this.limits.rejoinGraceMs;
    room.departedUntil(playerId, left || grace <= 0 ? undefined : now + grace, now);
  }

  /**
   * A connection ended. Only the connection that holds the seat frees it. A player that `left`
   * (closed with 1000) is gone for good; one whose connection dropped may rejoin within the grace.
   */
  leave(roomId: string, playerId: string, conn: Connection, left = false) {
    const room = this.rooms.get(roomId);
    const player = room?.players.get(playerId);
    if (!room || !player || player.conn !== conn) return;
    this.departed(room, playerId, left);
    room.players.delete(playerId);
    this.playerCount--;
    room.dirty = true;
    room.logic?.leave(playerId, left);
    if (room.hasAudience()) room.publish(encode({ case: "playerLeft", value: { playerId } }));
    room.dropOwnedKeys(playerId);
    const empty = room.players.size === 0;
    // A room that closes now needs no seat count first: its `closed` frees everything, and the
    // Manager's clean-up is one store call rather than two in a row.
    if (!empty || !this.closesWhenEmpty(room)) this.events.players(roomId, room.seats);
    if (empty) this.emptied(room);
  }

  /** One frame from a player. Bad frames cost that player an error (and for some a close), never the room. */
  frame(roomId: string, playerId: string, data: Uint8Array, isBinary: boolean) {
    const room = this.rooms.get(roomId);
    const player = room?.players.get(playerId);
    if (!room || !player) return;
    this.frames.handle(room, player, data, isBinary);
  }

  /**
   * Ends a room here. Its players are closed with 4002 (moved) for MIGRATING, otherwise told why
   * and closed (`why`: the reason of a logic room that ended itself).
   */
  closeRoom(roomId: string, reason: RoomCloseReason, snapshot?: Uint8Array, why?: string) {
    const room = this.rooms.get(roomId);
    if (!room) return;
    this.rooms.delete(roomId);
    clearTimeout(room.timer);
    clearTimeout(room.migrationTimer);
    if (room.openUntilMs > this.now()) this.ended.set(roomId, room.openUntilMs);
    // A room that goes on elsewhere is not ended: onDispose runs only where the game ends.
    if (
      reason === RoomCloseReason.MIGRATING ||
      reason === RoomCloseReason.CLOSED_BY_MANAGER ||
      reason === RoomCloseReason.FENCED
    )
      room.logic?.abandon();
    else room.logic?.close(why ?? RoomCloseReason[reason]!.toLowerCase().replace(/_/g, " "));
    room.sendOff(reason, why);
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

  /**
   * No Manager confirmed this server in time (its fencing lease ran out): some Manager may soon
   * move its rooms, so every room stops here first, its players closed with 4002 to find it again
   * through the Gateway, and no token opens a room until `unfence` (a registration answered).
   * Returns how many rooms stopped.
   */
  fence(): number {
    this.fenced = true;
    const ids = [...this.rooms.keys()];
    for (const id of ids) this.closeRoom(id, RoomCloseReason.FENCED);
    return ids.length;
  }

  /** Whether the rooms were fenced, and no Manager has registered this server since. */
  get isFenced(): boolean {
    return this.fenced;
  }

  /** Tells the room's seat count again (a first join that was recorded before it was refused, say). */
  recount(roomId: string) {
    const room = this.rooms.get(roomId);
    if (room) this.events.players(roomId, room.seats);
  }

  /** A Manager registered this server again: it may take rooms. */
  unfence() {
    this.fenced = false;
  }

  /**
   * After a re-registration: of the rooms we announced, keeps only those the Manager still maps
   * here. Rooms opened since the registration left (the Manager may place one before it answers)
   * are not in its answer and stay.
   */
  retainOnly(roomIds: string[], announced: string[]) {
    const keep = new Set(roomIds);
    for (const id of announced) if (!keep.has(id)) this.closeRoom(id, RoomCloseReason.CLOSED_BY_MANAGER);
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

  private snapshotOf(room: Room) {
    return snapshotOf(room, this.limits.snapshotMaxBytes, this.now(), this.log);
  }

  /** A logic room's runtime, whose frames go to the room's players and whose end closes the room. */
  private startLogic(room: Room, definition: AnyRoomDefinition, metadata: RoomKind["metadata"], snapshot?: Uint8Array) {
    const host = {
      send: (playerId: string, frame: Uint8Array) => room.players.get(playerId)?.conn.send(encodeSync(frame)),
      // A patch every player shares (no visibility rule) or a broadcast: encoded once, and sent
      // through the room's fan-out (one call for the whole room on uWS).
      sendAll: (frame: Uint8Array, exceptPlayerId: string | undefined) =>
        room.publish(encodeSync(frame), exceptPlayerId),
      // After the hook that ended it has returned (it may be the room's own creation).
      ended: (why: string) =>
        void Promise.resolve().then(() => this.closeRoom(room.id, RoomCloseReason.ENDED, undefined, why)),
      changed: () => {
        room.dirty = true;
      },
    };
    const init = { roomId: room.id, maxPlayers: room.maxPlayers, metadata: metadata ?? {}, host, log: this.log };
    const logic = new LogicRoom(definition, init, snapshot);
    // The definition may seat fewer: the host then refuses the rest before the upgrade, as for any full room.
    room.maxPlayers = logic.runtime.maxPlayers;
    return logic;
  }

  /** A restored room starts from its snapshot and waits the migration grace for the snapshot's players. */
  private restore(room: Room, bytes: Uint8Array, definition?: AnyRoomDefinition, metadata?: RoomKind["metadata"]) {
    const snap = restoreFrom(room, bytes, this.log);
    if (definition) room.logic = this.startLogic(room, definition, metadata, snap?.logic);
    room.migrationTimer = setTimeout(() => this.migrationGraceEnded(room.id), this.limits.migrationGraceMs);
    room.restoredUntilMs = this.now() + this.limits.migrationGraceMs;
    this.log.info("room restored", {
      roomId: room.id,
      keys: room.state.size,
      awaited: room.awaited.size,
      takenAtMs: snap ? Number(snap.takenAtMs) : undefined,
    });
  }

  /** Whoever of a restored room's players did not come back is gone for good: their owned keys go too, and a logic room hears they left. */
  private migrationGraceEnded(roomId: string) {
    const room = this.rooms.get(roomId);
    if (!room) return;
    room.migrationTimer = undefined;
    const gone = [...room.awaited.keys()];
    room.awaited.clear();
    for (const id of gone) {
      room.dropOwnedKeys(id);
      room.logic?.absent(id);
    }
    if (gone.length > 0) room.dirty = true;
    if (room.players.size === 0) this.closeRoom(roomId, RoomCloseReason.EMPTY);
  }

  /** Whether emptied() closes (or hands over) the room at once, rather than waiting for players. */
  private closesWhenEmpty(room: Room): boolean {
    if (this.draining) return true;
    return room.awaited.size === 0 && this.limits.reconnectGraceMs <= 0;
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
}
