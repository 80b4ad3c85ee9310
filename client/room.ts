import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { GatewayService } from "../gen/roomgate/v1/gateway_pb.js";
import type { Player, ServerFrame, Welcome } from "../gen/roomgate/v1/room_pb.js";
import { CLOSE } from "../gameserver/close-codes.js";
import { backoffDelay } from "./backoff.js";
import { openConnection } from "./connection.js";
import { Emitter } from "./emitter.js";
import { finalCloseError, RoomServerError } from "./errors.js";
import type { ResolvedReconnect } from "./options.js";
import { playersChange } from "./players.js";
import { type ClientFrameInit, encodeClientFrame, isFinalClose, type Ticket } from "./protocol.js";
import { ABNORMAL_CLOSURE, type OpenSocket, type RoomSocket } from "./socket.js";

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

export interface RoomEvents {
  /** Every welcome: the first, and the one after each reconnect (with a new player id). */
  welcome(w: Welcome): void;
  playerJoined(p: Player): void;
  playerLeft(playerId: string): void;
  message(m: { fromPlayerId: string; payload: Uint8Array }): void;
  /** Error frames from the server (RoomServerError) and failures the room recovers from, such as a failed reconnect attempt. */
  error(e: Error): void;
  state(s: ConnectionState): void;
  /** Once, at the very end; `error` says why when it was not our own leave() or a normal close. */
  closed(info: { code: number; reason: string; error?: Error }): void;
}

/** What a Room needs from the client that made it. */
export interface RoomDeps {
  gateway: Client<typeof GatewayService>;
  openSocket: OpenSocket;
  playerName: string;
  reconnect: ResolvedReconnect;
}

// Long enough for a slow network, short enough that a black-holed server costs one attempt rather
// than the whole reconnect budget.
const STEP_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 10_000;

interface PendingPing {
  sentAt: number;
  resolve(ms: number): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** A room the player is in. Made by RoomgateClient.createRoom / joinRoom, already welcomed. */
export class Room {
  playerId = "";
  serverId = "";
  serverAddress = "";
  region = "";
  /** Everyone in the room, this player included; replaced (never mutated) on every change. */
  players: Player[] = [];
  state: ConnectionState = "connecting";

  private readonly events = new Emitter<RoomEvents>();
  /** The welcomed connection, while there is one. */
  private socket: RoomSocket | undefined;
  /** A connection still waiting for its welcome. */
  private pending: RoomSocket | undefined;
  /** Cancels Gateway calls and backoff waits once we leave or give up. */
  private readonly stop = new AbortController();
  private left = false;
  private leaving: Promise<void> | undefined;
  private nonce = 0;
  private readonly pings = new Map<number, PendingPing>();

  /** @internal Use RoomgateClient.createRoom or joinRoom. */
  constructor(
    readonly roomId: string,
    private readonly deps: RoomDeps,
  ) {}

  on<E extends keyof RoomEvents>(event: E, listener: RoomEvents[E]): () => void {
    return this.events.on(event, listener);
  }

  /** To every other player. Throws unless the state is "open" (watch `state` to resume). */
  broadcast(payload: Uint8Array): void {
    this.sendFrame({ case: "broadcast", value: { payload } });
  }

  /** To one player; the server answers an unknown id with an error event. */
  send(playerId: string, payload: Uint8Array): void {
    this.sendFrame({ case: "sendTo", value: { playerId, payload } });
  }

  /** Round-trip time to the game server in milliseconds. */
  ping(timeoutMs = PING_TIMEOUT_MS): Promise<number> {
    this.nonce = (this.nonce + 1) >>> 0; // uint32 on the wire
    const nonce = this.nonce;
    return new Promise((resolve, reject) => {
      this.sendFrame({ case: "ping", value: { nonce } });
      const timer = setTimeout(() => {
        this.pings.delete(nonce);
        reject(new Error(`room ${this.roomId}: no pong within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pings.set(nonce, { sentAt: performance.now(), resolve, reject, timer });
    });
  }

  /** Closes with 1000 and never reconnects; resolves once the socket has closed. */
  leave(): Promise<void> {
    if (this.leaving) return this.leaving;
    if (this.state === "closed") return Promise.resolve();
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
    try {
      await this.attach(ticket);
    } catch (e) {
      this.finish(ABNORMAL_CLOSURE, "", e as Error);
      throw e;
    }
  }

  private sendFrame(frame: ClientFrameInit) {
    if (this.state !== "open" || this.left || !this.socket) {
      throw new Error(`room ${this.roomId} is ${this.state === "closed" || !this.left ? this.state : "being left"}; nothing can be sent now`);
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
          resolve();
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
    const change = this.state === "reconnecting" ? playersChange(this.players, this.playerId, w.players, w.playerId) : undefined;
    this.playerId = w.playerId;
    this.serverId = w.serverId;
    this.serverAddress = ticket.serverAddress;
    this.region = ticket.region;
    this.players = [...w.players];
    this.setState("open");
    this.events.emit("welcome", w);
    for (const id of change?.left ?? []) this.events.emit("playerLeft", id);
    for (const p of change?.joined ?? []) this.events.emit("playerJoined", p);
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
      case "error":
        this.events.emit("error", new RoomServerError(f.frame.value.code, f.frame.value.message));
        return;
      case "pong": {
        const ping = this.pings.get(f.frame.value.nonce);
        if (!ping) return;
        this.pings.delete(f.frame.value.nonce);
        clearTimeout(ping.timer);
        ping.resolve(performance.now() - ping.sentAt);
        return;
      }
      default:
        return; // a repeated welcome or a frame case newer than this SDK
    }
  }

  private dropped(code: number, reason: string, error?: Error) {
    this.failPings(`connection closed (${code})`);
    if (this.left) return this.finish(code, reason);
    if (isFinalClose(code)) return this.finish(code, reason, finalCloseError(this.roomId, code, reason) ?? error);
    this.setState("reconnecting");
    void this.reconnect(code, reason);
  }

  private async reconnect(code: number, reason: string) {
    const { maxAttempts } = this.deps.reconnect;
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      await this.wait(backoffDelay(attempt, this.deps.reconnect));
      if (this.stop.signal.aborted) return;
      try {
        // The room may have moved since: ask where it lives now, which also gives a fresh token.
        const ticket = await this.deps.gateway.joinRoom(
          { roomId: this.roomId, playerName: this.deps.playerName },
          { signal: this.stop.signal, timeoutMs: STEP_TIMEOUT_MS },
        );
        if (this.stop.signal.aborted) return;
        await this.attach(ticket);
        return;
      } catch (e) {
        if (this.stop.signal.aborted) return;
        if (ConnectError.from(e).code === Code.NotFound) {
          return this.finish(code, reason, new Error(`room ${this.roomId} is gone: the Gateway no longer knows it`, { cause: e }));
        }
        lastError = e as Error;
        this.events.emit("error", new Error(`reconnect attempt ${attempt + 1}/${maxAttempts} to room ${this.roomId} failed: ${lastError.message}`, { cause: e }));
      }
    }
    this.finish(code, reason, new Error(`room ${this.roomId}: gave up after ${maxAttempts} attempts to reconnect`, lastError ? { cause: lastError } : undefined));
  }

  /** Resolves after ms, or at once when the room is left or given up. */
  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.stop.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.stop.signal.addEventListener("abort", done);
    });
  }

  private failPings(why: string) {
    for (const p of this.pings.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`room ${this.roomId}: ${why} before the pong`));
    }
    this.pings.clear();
  }

  private finish(code: number, reason: string, error?: Error) {
    if (this.state === "closed") return;
    this.stop.abort();
    this.failPings("room closed");
    this.setState("closed");
    this.events.emit("closed", error ? { code, reason, error } : { code, reason });
  }

  private setState(s: ConnectionState) {
    if (this.state === s) return;
    this.state = s;
    this.events.emit("state", s);
  }
}
