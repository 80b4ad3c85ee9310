import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { GatewayService } from "../gen/roomgate/v1/gateway_pb.js";
import type { Player, ServerFrame, StateEntry, Welcome } from "../gen/roomgate/v1/room_pb.js";
import { backoffDelay } from "../protocol/backoff.js";
import { CLOSE } from "../protocol/close-codes.js";
import { openConnection } from "./connection.js";
import { Emitter } from "./emitter.js";
import { finalCloseError, RoomServerError } from "./errors.js";
import type { ResolvedReconnect } from "./options.js";
import { playersChange } from "./players.js";
import { type ClientFrameInit, encodeClientFrame, isFinalClose, type Ticket } from "./wire.js";
import { ABNORMAL_CLOSURE, type OpenSocket, type RoomSocket } from "./socket.js";

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

export interface RoomEvents {
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
  /** The connection's state: connecting, open, reconnecting, closed. */
  connection(s: ConnectionState): void;
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
/** Gateway answers asked when the first connection finds its server going away (see Room.follow). */
const FOLLOW_ATTEMPTS = 5;

/**
 * The server named in the ticket no longer takes us: it refused the upgrade as draining or
 * without the room (503, 404), or could not be reached at all (no HTTP status: refused, reset,
 * or a browser, which hides the status).
 */
function serverGoingAway(e: Error): boolean {
  const status = ((e as { cause?: unknown }).cause as { status?: number } | undefined)?.status;
  return status === undefined || status === 503 || status === 404;
}

interface PendingPing {
  sentAt: number;
  resolve(ms: number): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** A room the player is in. Made by RoomgateClient.createRoom / joinRoom / joinOrCreate, already welcomed. */
export class Room {
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
  /** The shared state, key -> value and owner: replaced by every welcome, kept up to date in between. */
  private shared = new Map<string, StateValue>();
  /** The ticket of the current (or last) connection; its token is our rejoin token. */
  private ticket: Ticket | undefined;

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

  /** @internal Use RoomgateClient.createRoom, joinRoom or joinOrCreate. */
  constructor(
    readonly roomId: string,
    private readonly deps: RoomDeps,
  ) {}

  on<E extends keyof RoomEvents>(event: E, listener: RoomEvents[E]): () => void {
    return this.events.on(event, listener);
  }

  /** The room's shared state as this player knows it (key -> value and owner). */
  get state(): ReadonlyMap<string, Readonly<StateValue>> {
    return this.shared;
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
    this.apply(key, value.byteLength > 0 ? { value: value.slice(), owner: owned ? this.playerId : "" } : undefined, this.playerId);
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
        await this.follow(e as Error);
      } catch (final) {
        this.finish(ABNORMAL_CLOSURE, "", final as Error);
        throw final;
      }
    }
  }

  /**
   * The first connection failed. A game server may begin to drain (a rolling deploy) between the
   * Gateway's answer and our connection: it then refuses us (503) or is gone, and the room is
   * already on its way to another server. That race is inherent to handing out tickets, so we ask
   * the Gateway where the room lives now, as the same player (our ticket is our rejoin token), a
   * bounded number of times. Any other refusal is final.
   */
  private async follow(first: Error): Promise<void> {
    let last = first;
    let worthIt = serverGoingAway(first);
    for (let attempt = 0; attempt < FOLLOW_ATTEMPTS && worthIt; attempt++) {
      await this.wait(attempt === 0 ? 0 : backoffDelay(attempt - 1, this.deps.reconnect));
      if (this.stop.signal.aborted) break;
      try {
        await this.attach(await this.rejoin());
        return;
      } catch (e) {
        last = e as Error;
        // While the room moves the Gateway answers unavailable, which is worth another look.
        worthIt = e instanceof ConnectError ? e.code === Code.Unavailable : serverGoingAway(last);
      }
    }
    throw last;
  }

  private sendFrame(frame: ClientFrameInit) {
    if (this.connection !== "open" || this.left || !this.socket) {
      throw new Error(`room ${this.roomId} is ${this.connection === "closed" || !this.left ? this.connection : "being left"}; nothing can be sent now`);
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
    const reconnected = this.connection === "reconnecting";
    const change = reconnected ? playersChange(this.players, this.playerId, w.players, w.playerId) : undefined;
    const before = this.shared;
    const next = new Map(w.state.map((e: StateEntry) => [e.key, { value: e.value, owner: e.ownerPlayerId }]));
    // Back as the same player: what we own and the server lost (it drops owned keys when our
    // connection does) or holds an older value of (a snapshot taken before our last change), we
    // set again. Nobody else writes our keys, so our copy is the latest.
    const reassert =
      reconnected && w.playerId === this.playerId ? [...before].filter(([key, v]) => v.owner === this.playerId && !sameValue(next.get(key), v)) : [];
    for (const [key, v] of reassert) next.set(key, v);
    this.playerId = w.playerId;
    this.serverId = w.serverId;
    this.serverAddress = ticket.serverAddress;
    this.region = ticket.region;
    this.ticket = ticket;
    this.players = [...w.players];
    this.shared = next;
    this.setConnection("open");
    for (const [key, v] of reassert) this.socket?.send(encodeClientFrame({ case: "setState", value: { key, value: v.value, owned: true } }));
    this.events.emit("welcome", w);
    for (const id of change?.left ?? []) this.events.emit("playerLeft", id);
    for (const p of change?.joined ?? []) this.events.emit("playerJoined", p);
    if (!reconnected) return;
    // What changed while we were away, as if we had watched it happen.
    for (const key of before.keys()) if (!next.has(key)) this.events.emit("state", key, undefined, "");
    for (const [key, v] of next) if (!sameValue(before.get(key), v)) this.events.emit("state", key, v.value, "");
  }

  /** One change to the shared state, applied and announced. */
  private apply(key: string, v: StateValue | undefined, from: string) {
    if (v) this.shared.set(key, v);
    else if (!this.shared.delete(key)) return;
    this.events.emit("state", key, v?.value, from);
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
        this.apply(entry.key, entry.value.byteLength > 0 ? { value: entry.value, owner: entry.ownerPlayerId } : undefined, fromPlayerId);
        return;
      }
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
    this.setConnection("reconnecting");
    void this.reconnect(code, reason);
  }

  private async reconnect(code: number, reason: string) {
    const { maxAttempts } = this.deps.reconnect;
    // The server moved the room on purpose and it is already on its way elsewhere: ask at once.
    const immediate = code === CLOSE.moved;
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      await this.wait(immediate ? (attempt === 0 ? 0 : backoffDelay(attempt - 1, this.deps.reconnect)) : backoffDelay(attempt, this.deps.reconnect));
      if (this.stop.signal.aborted) return;
      try {
        // The room may have moved since: ask where it lives now, which also gives a fresh token.
        // While it is moving the Gateway answers unavailable, retried here like any failure.
        const ticket = await this.rejoin();
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

  /**
   * JoinRoom with our last token, so that we come back as the same player. Should the Gateway
   * refuse that token (its secret changed, or we were away longer than its rejoin window), we join
   * as a new player rather than not at all.
   */
  private async rejoin(): Promise<Ticket> {
    const call = (rejoinToken: string) =>
      this.deps.gateway.joinRoom({ roomId: this.roomId, playerName: this.deps.playerName, rejoinToken }, { signal: this.stop.signal, timeoutMs: STEP_TIMEOUT_MS });
    const token = this.joinToken;
    if (!token) return call("");
    try {
      return await call(token);
    } catch (e) {
      const code = ConnectError.from(e).code;
      if (code !== Code.Unauthenticated && code !== Code.InvalidArgument) throw e;
      this.events.emit("error", new Error(`room ${this.roomId}: the Gateway refused our rejoin token (${ConnectError.from(e).rawMessage}); joining as a new player`, { cause: e }));
      return call("");
    }
  }

  /** Resolves after ms, or at once when the room is left or given up. */
  private wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
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
    if (this.connection === "closed") return;
    this.stop.abort();
    this.failPings("room closed");
    this.setConnection("closed");
    this.events.emit("closed", error ? { code, reason, error } : { code, reason });
  }

  private setConnection(s: ConnectionState) {
    if (this.connection === s) return;
    this.connection = s;
    this.events.emit("connection", s);
  }
}

function sameValue(a: StateValue | undefined, b: StateValue | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.owner !== b.owner || a.value.byteLength !== b.value.byteLength) return false;
  return a.value.every((x, i) => x === b.value[i]);
}
