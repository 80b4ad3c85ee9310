// The SDK's Room: its public API, attaching a connection up to the welcome, and the frames that
// follow. Shared state, pings and getting the room back after a drop live in their own modules.
import type { Gateway } from "./gateway.js";
import type { Player, ServerFrame, Welcome } from "./gen/roomgate/v1/room_pb.js";
import { CLOSE } from "./protocol/close-codes.js";
import { applyServerFrame, createStateReplica, encodeValue } from "./protocol/sync/index.js";
import { openConnection } from "./connection.js";
import { Emitter } from "./emitter.js";
import { finalCloseError, RoomServerError } from "./errors.js";
import type { ResolvedReconnect } from "./options.js";
import { Pings, PING_TIMEOUT_MS } from "./pings.js";
import { playersChange } from "./players.js";
import { follow, reconnect, type Rejoining, STEP_TIMEOUT_MS } from "./reconnect.js";
import type { InputOf, ViewOf } from "./logic-types.js";
import type { ConnectionState, RoomEvents, SetStateOptions, StateValue } from "./room-types.js";
import { SharedState } from "./shared-state.js";
import { type ClientFrameInit, encodeClientFrame } from "./frames.js";
import { isFinalClose, type Ticket } from "./wire.js";
import { ABNORMAL_CLOSURE, type OpenSocket, type RoomSocket } from "./socket.js";

/** What a Room needs from the client that made it. */
export interface RoomDeps {
  gateway: Gateway;
  openSocket: OpenSocket;
  playerName: string;
  reconnect: ResolvedReconnect;
}

/**
 * A room the player is in. Made by RoomgateClient.createRoom / joinRoom / joinOrCreate, already
 * welcomed. `D` types a room of a logic type from its definition (`createRoom<typeof dots>`):
 * `view` and `input` then speak the room's types.
 */
export class Room<D = unknown> {
  playerId = "";
  serverId = "";
  serverAddress = "";
  region = "";
  /**
   * Whether this player's call made the room: true from createRoom (a retry with the same
   * requestId included) and from a joinOrCreate that found no open seat; false from joinRoom and
   * from a joinOrCreate that took a seat in an open room.
   */
  created = false;
  /** Everyone in the room, this player included; replaced (never mutated) on every change. */
  players: Player[] = [];
  connection: ConnectionState = "connecting";
  /** "relay", or the type of the room's logic (from the welcome). */
  roomType = "relay";
  /** The shared state, key -> value and owner: replaced by every welcome, kept up to date in between. */
  private readonly shared = new SharedState((key, value, from) => this.events.emit("state", key, value, from));
  /** The ticket of the current (or last) connection; its token is our rejoin token. */
  private ticket: Ticket | undefined;

  private readonly events = new Emitter<RoomEvents<D>>();
  /** A logic room's state as this player may see it, built from the sync frames. */
  private readonly replica = createStateReplica<ViewOf<D>>();
  /** Resolves the first attach of a logic room once its state has arrived. */
  private stateArrived: (() => void) | undefined;
  /** The welcomed connection, while there is one. */
  private socket: RoomSocket | undefined;
  /** A connection still waiting for its welcome. */
  private pending: RoomSocket | undefined;
  /** Cancels Gateway calls and backoff waits once we leave or give up. */
  private readonly stop = new AbortController();
  private left = false;
  private leaving: Promise<void> | undefined;
  private readonly pings: Pings;
  /** What follow and reconnect use of this room. */
  private readonly rejoining: Rejoining;

  /** @internal Use RoomgateClient.createRoom, joinRoom or joinOrCreate. */
  constructor(
    readonly roomId: string,
    private readonly deps: RoomDeps,
  ) {
    this.pings = new Pings(roomId);
    this.rejoining = {
      roomId,
      gateway: deps.gateway,
      playerName: deps.playerName,
      reconnect: deps.reconnect,
      stop: this.stop.signal,
      joinToken: () => this.joinToken,
      attach: (ticket) => this.attach(ticket),
      finish: (code, reason, error) => this.finish(code, reason, error),
      error: (e) => this.events.emit("error", e),
    };
  }

  on<E extends keyof RoomEvents<D>>(event: E, listener: RoomEvents<D>[E]): () => void {
    return this.events.on(event, listener);
  }

  /** The room's shared state as this player knows it (key -> value and owner). */
  get state(): ReadonlyMap<string, Readonly<StateValue>> {
    return this.shared.view;
  }

  /**
   * A room of a logic type: its state as this player may see it, up to date with the last frame
   * the room sent (the `change` event says when). Undefined for a relay room. Read it, never write
   * it: the room owns the state; send inputs instead.
   */
  get view(): ViewOf<D> | undefined {
    return this.replica.state;
  }

  /**
   * A room of a logic type: sends one input to the room's onMessage (plain data: objects, arrays,
   * strings, numbers, booleans, null, Uint8Array). The room checks it; one it cannot decode comes
   * back as an ErrorCode.BAD_INPUT error event. Throws unless the connection is "open".
   */
  input(value: InputOf<D>): void {
    this.sendFrame({ case: "input", value: encodeValue(value) });
  }

  /**
   * The last join token this player had for the room. Passed as `rejoinToken` to
   * RoomgateClient.joinRoom (within the Gateway's rejoin window) it comes back as the same player,
   * after a page reload for example; the SDK's own reconnects do so already.
   */
  get joinToken(): string {
    return this.ticket?.joinToken ?? "";
  }

  /**
   * Sets one key of the room's shared state (an empty value deletes it); everyone else gets a
   * `state` event, and so does this room at once. Throws unless the connection is "open". The
   * server may refuse it (ErrorCode.STATE_LIMIT as an `error` event); `state` then runs ahead of
   * the server's until the next welcome. A key another player owns is refused as
   * ErrorCode.NOT_OWNER, and `state` keeps their value. Keys this player owns are set again after
   * a reconnect when the server no longer has them as they were.
   */
  setState(key: string, value: Uint8Array, options: SetStateOptions = {}): void {
    const owned = options.owned ?? false;
    this.sendFrame({ case: "setState", value: { key, value, owned } });
    const owner = this.state.get(key)?.owner;
    if (owner && owner !== this.playerId) return;
    this.shared.apply(
      key,
      value.byteLength > 0 ? { value: value.slice(), owner: owned ? this.playerId : "" } : undefined,
      this.playerId,
    );
  }

  /** To every other player. Throws unless the connection is "open" (watch `connection` to resume). */
  broadcast(payload: Uint8Array): void {
    this.sendFrame({ case: "broadcast", value: { payload } });
  }

  /** To one player; the server answers an unknown id with an error event. */
  send(playerId: string, payload: Uint8Array): void {
    this.sendFrame({ case: "sendTo", value: { playerId, payload } });
  }

  /** Round-trip time to the game server in milliseconds. */
  ping(timeoutMs = PING_TIMEOUT_MS): Promise<number> {
    return this.pings.start((nonce) => this.sendFrame({ case: "ping", value: { nonce } }), timeoutMs);
  }

  /** Closes with 1000 and never reconnects; resolves once the socket has closed. */
  leave(): Promise<void> {
    if (this.leaving) return this.leaving;
    if (this.connection === "closed") return Promise.resolve();
    this.left = true;
    this.stop.abort();
    this.pending?.close(CLOSE.normal, "left");
    this.pending = undefined;
    const socket = this.socket;
    if (!socket) {
      this.finish(CLOSE.normal, "left");
      return (this.leaving = Promise.resolve());
    }
    this.leaving = new Promise((resolve) => {
      const off = this.events.on("closed", () => {
        off();
        resolve();
      });
    });
    socket.close(CLOSE.normal, "left");
    return this.leaving;
  }

  /** @internal The first connection; on failure the room is closed and the error thrown. */
  async start(ticket: Ticket): Promise<void> {
    this.ticket = ticket;
    try {
      await this.attach(ticket);
    } catch (e) {
      try {
        await follow(this.rejoining, e as Error);
      } catch (final) {
        this.finish(ABNORMAL_CLOSURE, "", final as Error);
        throw final;
      }
    }
  }

  private sendFrame(frame: ClientFrameInit) {
    if (this.connection !== "open" || this.left || !this.socket) {
      throw new Error(
        `room ${this.roomId} is ${this.connection === "closed" || !this.left ? this.connection : "being left"}; nothing can be sent now`,
      );
    }
    this.socket.send(encodeClientFrame(frame));
  }

  /** Connects with one ticket; resolves once welcomed, rejects if that connection fails. */
  private attach(ticket: Ticket): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = openConnection(this.deps.openSocket, ticket, STEP_TIMEOUT_MS, {
        welcome: (w) => {
          if (this.pending !== socket) return false;
          this.pending = undefined;
          this.socket = socket;
          this.welcomed(w, ticket);
          // A logic room's state follows its welcome at once: the caller gets the room with it.
          if (this.roomType === "relay") resolve();
          else this.stateArrived = resolve;
          return true;
        },
        frame: (f) => {
          if (this.socket === socket || this.pending === socket) this.onFrame(f);
        },
        garbled: (e) => this.events.emit("error", e),
        failed: (e) => {
          if (this.pending === socket) this.pending = undefined;
          reject(e);
        },
        dropped: (code, reason, error) => {
          if (this.socket !== socket) return;
          this.socket = undefined;
          this.dropped(code, reason, error);
        },
      });
      this.pending = socket;
    });
  }

  private welcomed(w: Welcome, ticket: Ticket) {
    const reconnected = this.connection === "reconnecting";
    const change = reconnected ? playersChange(this.players, this.playerId, w.players, w.playerId) : undefined;
    const state = this.shared.replace(w.state, reconnected && w.playerId === this.playerId ? this.playerId : undefined);
    this.playerId = w.playerId;
    this.serverId = w.serverId;
    this.serverAddress = ticket.serverAddress;
    this.region = ticket.region;
    this.ticket = ticket;
    this.players = [...w.players];
    this.roomType = w.roomType || "relay";
    this.setConnection("open");
    for (const [key, v] of state.reassert)
      this.socket?.send(encodeClientFrame({ case: "setState", value: { key, value: v.value, owned: true } }));
    this.events.emit("welcome", w);
    for (const id of change?.left ?? []) this.events.emit("playerLeft", id);
    for (const p of change?.joined ?? []) this.events.emit("playerJoined", p);
    if (!reconnected) return;
    // What changed while we were away, as if we had watched it happen.
    state.announceChanges();
  }

  private onFrame(f: ServerFrame) {
    switch (f.frame.case) {
      case "playerJoined": {
        const p = f.frame.value.player;
        if (!p) return;
        if (!this.players.some((x) => x.id === p.id)) this.players = [...this.players, p];
        this.events.emit("playerJoined", p);
        return;
      }
      case "playerLeft": {
        const id = f.frame.value.playerId;
        this.players = this.players.filter((p) => p.id !== id);
        this.events.emit("playerLeft", id);
        return;
      }
      case "message":
        this.events.emit("message", { fromPlayerId: f.frame.value.fromPlayerId, payload: f.frame.value.payload });
        return;
      case "stateChanged": {
        const { entry, fromPlayerId } = f.frame.value;
        if (!entry) return;
        this.shared.apply(
          entry.key,
          entry.value.byteLength > 0 ? { value: entry.value, owner: entry.ownerPlayerId } : undefined,
          fromPlayerId,
        );
        return;
      }
      case "error":
        this.events.emit("error", new RoomServerError(f.frame.value.code, f.frame.value.message));
        return;
      case "pong":
        this.pings.pong(f.frame.value.nonce);
        return;
      case "sync":
        return this.synced(f.frame.value);
      default:
        return; // a repeated welcome or a frame case newer than this SDK
    }
  }

  private synced(bytes: Uint8Array) {
    let applied;
    try {
      applied = applyServerFrame(this.replica, bytes);
    } catch (e) {
      this.events.emit("error", new Error(`room ${this.roomId}: undecodable sync frame: ${(e as Error).message}`));
      return;
    }
    if (applied.kind === "message") {
      this.events.emit("roomMessage", applied.message as never);
      return;
    }
    const arrived = this.stateArrived;
    this.stateArrived = undefined;
    arrived?.();
    this.events.emit("change", this.replica.state as ViewOf<D>);
  }

  private dropped(code: number, reason: string, error?: Error) {
    // A logic room that dropped before its state came: the caller has the room, reconnecting.
    const arrived = this.stateArrived;
    this.stateArrived = undefined;
    arrived?.();
    this.pings.failAll(`connection closed (${code})`);
    if (this.left) return this.finish(code, reason);
    if (isFinalClose(code)) return this.finish(code, reason, finalCloseError(this.roomId, code, reason) ?? error);
    this.setConnection("reconnecting");
    void reconnect(this.rejoining, code, reason);
  }

  private finish(code: number, reason: string, error?: Error) {
    if (this.connection === "closed") return;
    this.stop.abort();
    this.pings.failAll("room closed");
    this.setConnection("closed");
    this.events.emit("closed", error ? { code, reason, error } : { code, reason });
  }

  private setConnection(s: ConnectionState) {
    if (this.connection === s) return;
    this.connection = s;
    this.events.emit("connection", s);
  }
}
