import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb.js";
import {
  type ClientFrame,
  ClientFrameSchema,
  ErrorCode,
  ServerFrameSchema,
} from "../gen/roomgate/v1/room_pb.js";
import type { Logger } from "../common/log.js";
import { CLOSE } from "./close-codes.js";
import { RateLimiter, type RoomLimits } from "./limits.js";

// The rooms of one game server, free of transport types: a Connection is anything that can send
// bytes and close; the WebSocket layer and the Manager link plug in from outside.

export interface Connection {
  send(bytes: Uint8Array): void;
  close(code: number, reason: string): void;
}

export interface RoomEvents {
  opened(roomId: string): void;
  players(roomId: string, count: number): void;
  closed(roomId: string, reason: RoomCloseReason): void;
}

interface Player {
  id: string;
  name: string;
  conn: Connection;
  limiter: RateLimiter;
  lastErrorAt: number;
}

interface Room {
  id: string;
  maxPlayers: number;
  players: Map<string, Player>;
  /** Closes the room when nobody joins in time, or nobody returns within the grace. */
  timer?: NodeJS.Timeout;
}

/** Why a join is refused before the WebSocket upgrade; `status` is the HTTP status to answer. */
export interface Refusal {
  status: number;
  reason: string;
}

const encode = (frame: MessageInitShape<typeof ServerFrameSchema>["frame"]) => toBinary(ServerFrameSchema, create(ServerFrameSchema, { frame }));

export class RoomHost {
  private readonly rooms = new Map<string, Room>();
  private playerCount = 0;
  draining = false;

  constructor(
    /** Set once the server knows its id (after it has bound its port). */
    public serverId: string,
    private readonly limits: RoomLimits,
    private readonly events: RoomEvents,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  get stats() {
    return { rooms: this.rooms.size, players: this.playerCount };
  }

  roomIds(): string[] {
    return [...this.rooms.keys()];
  }

  /** The Manager placed a room here. Idempotent; refuses only when this server cannot take it. */
  openRoom(roomId: string, maxPlayers: number, firstJoinTimeoutMs: number): Refusal | undefined {
    if (this.rooms.has(roomId)) return undefined;
    if (this.draining) return { status: 503, reason: "server is draining" };
    if (this.rooms.size >= this.limits.maxRooms) return { status: 503, reason: "server has no free room slot" };
    const room: Room = { id: roomId, maxPlayers, players: new Map() };
    this.rooms.set(roomId, room);
    room.timer = setTimeout(() => this.closeRoom(roomId, RoomCloseReason.NEVER_JOINED), firstJoinTimeoutMs);
    this.events.opened(roomId);
    return undefined;
  }

  /** Decides, before the upgrade, whether this player may join. */
  admit(roomId: string, playerId: string): Refusal | undefined {
    if (this.draining) return { status: 503, reason: "server is shutting down" };
    const room = this.rooms.get(roomId);
    if (!room) return { status: 404, reason: "no such room on this server" };
    if (room.players.has(playerId)) return undefined; // a reconnect takes over its own seat
    if (room.players.size >= room.maxPlayers) return { status: 409, reason: "room is full" };
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
    room.players.set(playerId, { id: playerId, name, conn, limiter: new RateLimiter(this.limits.maxMessagesPerSecond, this.now), lastErrorAt: -Infinity });
    this.playerCount++;
    conn.send(
      encode({
        case: "welcome",
        value: {
          roomId,
          playerId,
          serverId: this.serverId,
          maxPlayers: room.maxPlayers,
          players: [...room.players.values()].map((p) => ({ id: p.id, name: p.name })),
        },
      }),
    );
    if (!previous) this.publish(room, encode({ case: "playerJoined", value: { player: { id: playerId, name } } }), playerId);
    this.events.players(roomId, room.players.size);
    return true;
  }

  /** A connection ended. Only the connection that holds the seat frees it. */
  leave(roomId: string, playerId: string, conn: Connection) {
    const room = this.rooms.get(roomId);
    const player = room?.players.get(playerId);
    if (!room || !player || player.conn !== conn) return;
    room.players.delete(playerId);
    this.playerCount--;
    this.publish(room, encode({ case: "playerLeft", value: { playerId } }));
    this.events.players(roomId, room.players.size);
    if (room.players.size > 0) return;
    if (this.limits.reconnectGraceMs > 0) {
      room.timer = setTimeout(() => this.closeRoom(roomId, RoomCloseReason.EMPTY), this.limits.reconnectGraceMs);
    } else {
      this.closeRoom(roomId, RoomCloseReason.EMPTY);
    }
  }

  /** One frame from a player. Bad frames cost that player an error (and for some a close), never the room. */
  frame(roomId: string, playerId: string, data: Uint8Array, isBinary: boolean) {
    const room = this.rooms.get(roomId);
    const player = room?.players.get(playerId);
    if (!room || !player) return;
    if (!isBinary) return this.reject(player, ErrorCode.TEXT_FRAME, "frames must be binary ClientFrame messages", CLOSE.policyViolation);
    if (data.byteLength > this.limits.maxFrameBytes) {
      return this.reject(player, ErrorCode.FRAME_TOO_LARGE, `frame of ${data.byteLength} bytes exceeds the ${this.limits.maxFrameBytes}-byte limit`, CLOSE.tooBig);
    }
    if (!player.limiter.take()) {
      return this.reject(player, ErrorCode.RATE_LIMITED, `more than ${this.limits.maxMessagesPerSecond} frames per second; frame dropped`);
    }
    let msg: ClientFrame;
    try {
      msg = fromBinary(ClientFrameSchema, data);
    } catch (e) {
      return this.reject(player, ErrorCode.MALFORMED_FRAME, `not a ClientFrame: ${(e as Error).message}`, CLOSE.policyViolation);
    }
    switch (msg.frame.case) {
      case "broadcast":
        this.publish(room, encode({ case: "message", value: { fromPlayerId: playerId, payload: msg.frame.value.payload } }), playerId);
        return;
      case "sendTo": {
        const to = room.players.get(msg.frame.value.playerId);
        if (!to) return this.reject(player, ErrorCode.UNKNOWN_PLAYER, `no player ${msg.frame.value.playerId} in this room`);
        to.conn.send(encode({ case: "message", value: { fromPlayerId: playerId, payload: msg.frame.value.payload } }));
        return;
      }
      case "ping":
        player.conn.send(encode({ case: "pong", value: { nonce: msg.frame.value.nonce } }));
        return;
      default:
        return this.reject(player, ErrorCode.MALFORMED_FRAME, "ClientFrame has no known frame set", CLOSE.policyViolation);
    }
  }

  closeRoom(roomId: string, reason: RoomCloseReason) {
    const room = this.rooms.get(roomId);
    if (!room) return;
    this.rooms.delete(roomId);
    clearTimeout(room.timer);
    const shutdown = reason === RoomCloseReason.SHUTDOWN;
    const bye = encode({ case: "error", value: { code: ErrorCode.ROOM_CLOSING, message: shutdown ? "server shutting down" : "room closed" } });
    for (const p of room.players.values()) {
      p.conn.send(bye);
      p.conn.close(shutdown ? CLOSE.goingAway : CLOSE.roomClosed, shutdown ? "server shutting down" : "room closed");
    }
    this.playerCount -= room.players.size;
    room.players.clear();
    this.events.closed(roomId, reason);
    this.log.debug("room closed", { roomId, reason: RoomCloseReason[reason] });
  }

  /** Keeps only the rooms the Manager still maps here (after a re-registration). */
  retainOnly(roomIds: string[]) {
    const keep = new Set(roomIds);
    for (const id of this.roomIds()) if (!keep.has(id)) this.closeRoom(id, RoomCloseReason.CLOSED_BY_MANAGER);
  }

  /** Stops taking players and rooms and closes every room. */
  shutdown() {
    this.draining = true;
    for (const id of this.roomIds()) this.closeRoom(id, RoomCloseReason.SHUTDOWN);
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
