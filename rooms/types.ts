// The public contract of room logic (roomgate/server): what a game developer writes, and what a
// room's hooks are given. The runtime is rooms/room-runtime.ts.
import type { Logger } from "../common/log.js";
import type { WireValue } from "@roomgate/client/protocol/sync/values";

export type { WireValue };

/** A player as the room sees them. `claims` are the verified claims of their join token (may be empty). */
export interface Player {
  readonly id: string;
  readonly name: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** What a room is created with. */
export interface CreateInfo {
  readonly roomId: string;
  readonly maxPlayers: number;
  /** The room's metadata from CreateRoom (public rooms list it). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Given to onTick. */
export interface TickInfo {
  /** Ticks run so far, this one included. */
  readonly tick: number;
  /** Room time since the previous tick: one period, or more when ticks were skipped. */
  readonly elapsedMs: number;
  /** Ticks that were due but did not run because the room fell behind; their time is in elapsedMs. */
  readonly skipped: number;
}

export interface RoomClock {
  /** Room time in ms: starts at 0 when the room is created and goes on from its snapshot after a move. */
  readonly now: number;
  /** onTick calls so far. */
  readonly tick: number;
}

export interface RoomTimers {
  /** Calls `timers[name](ctx, data)` once, `delayMs` of room time from now. Returns the timer's id. */
  after(delayMs: number, name: string, data?: WireValue): number;
  /** Calls `timers[name](ctx, data)` every `intervalMs` of room time (a late room calls it once, not once per missed interval). */
  every(intervalMs: number, name: string, data?: WireValue): number;
  cancel(id: number): boolean;
  /** Cancels every timer, or those of one name. */
  cancelAll(name?: string): void;
  /** Timers pending, in firing order. */
  list(): readonly { id: number; name: string; dueMs: number; everyMs: number }[];
}

/** What every hook is given. Timers and the clock belong to the room: cancelled with it, moved with it. */
export interface RoomContext<S, Out = WireValue> {
  readonly roomId: string;
  readonly type: string;
  /** The authoritative state. Mutate it freely; what changed reaches the players once per tick. */
  state: S;
  readonly players: ReadonlyMap<string, Player>;
  readonly clock: RoomClock;
  readonly timers: RoomTimers;
  /** Sends a message to every player (but `except`), after this tick's state. */
  broadcast(message: Out, options?: { except?: string }): void;
  /** Sends a message to one player, after this tick's state. */
  send(playerId: string, message: Out): void;
  /** Closes the room after this hook: players get this tick's state and messages, then `reason`. */
  close(reason: string): void;
  /** Logs with the room's id and type. */
  readonly log: Logger;
}

// biome-ignore lint/suspicious/noConfusingVoidType: a hook that accepts returns nothing
export type JoinResult = void | { refuse: string };

/** What onRestore is given: who was in the room, and what onSnapshot added. */
export interface RestoreInfo {
  readonly players: readonly Player[];
  readonly extra: WireValue;
}

/** One room type. Every hook is optional and synchronous (a rejected promise counts as a throw). */
export interface RoomDefinition<S extends object = Record<string, unknown>, In = WireValue, Out = WireValue, V = S> {
  /** The type name CreateRoom's room_type will name; [a-z0-9_-], 1 to 48 characters. */
  readonly type: string;
  /** onTick calls per second (1 to 1000); without it the room has no tick and syncs after every event. */
  readonly tickHz?: number;
  /** Seats; beyond them a join is refused ("room is full"). Default: the room's max_players. */
  readonly maxPlayers?: number;
  /** A tick (onTick and sync) longer than this is logged with its duration. Default: one tick period. */
  readonly tickBudgetMs?: number;
  /**
   * When a hook throws: "close" the room (default), or "drop-input": a throwing onMessage drops that
   * input and a throwing onJoin refuses that player, and the room plays on. Any other hook closes it.
   */
  readonly onError?: "close" | "drop-input";
  /** "float32": non-integer numbers cross the wire in 4 bytes (players see Math.fround of them). */
  readonly precision?: "float64" | "float32";
  /** The state a new room starts with (default: an empty object). */
  readonly initialState?: (create: CreateInfo) => S;
  /**
   * What `player` may see of the state: return a plain object built from it (share sub-objects
   * freely). Only this ever leaves the server for that player. Default: all of it.
   */
  readonly visibility?: (state: S, player: Player) => V;
  /** Timer handlers by name, for ctx.timers (names, not closures, so timers survive a move). */
  readonly timers?: Readonly<
    Record<string, (ctx: RoomContext<S, Out>, data: WireValue, info: { skipped: number }) => void>
  >;
  onCreate?(ctx: RoomContext<S, Out>, create: CreateInfo): unknown;
  onJoin?(ctx: RoomContext<S, Out>, player: Player): JoinResult | Promise<unknown>;
  /** `message` comes from a client as it was sent: check it before you trust it. */
  onMessage?(ctx: RoomContext<S, Out>, player: Player, message: In): unknown;
  onTick?(ctx: RoomContext<S, Out>, tick: TickInfo): unknown;
  onLeave?(ctx: RoomContext<S, Out>, player: Player, consented: boolean): unknown;
  onDispose?(ctx: RoomContext<S, Out>, reason: string): unknown;
  /** Extra data for the snapshot (beside state, timers, clock and tick count). */
  onSnapshot?(ctx: RoomContext<S, Out>): WireValue;
  /** The room resumed from a snapshot (on this or another server) instead of onCreate. */
  onRestore?(ctx: RoomContext<S, Out>, restored: RestoreInfo): unknown;
}

/** What a player of room type D sees (its visibility view, or its state): for typing a client's copy. */
// biome-ignore lint/suspicious/noExplicitAny: matching any definition
export type ViewOf<D> = D extends RoomDefinition<any, any, any, infer V> ? V : never;
/** What a client of room type D sends. */
// biome-ignore lint/suspicious/noExplicitAny: matching any definition
export type InputOf<D> = D extends RoomDefinition<any, infer In, any, any> ? In : never;
/** What room type D sends with ctx.send and ctx.broadcast. */
// biome-ignore lint/suspicious/noExplicitAny: matching any definition
export type MessageOf<D> = D extends RoomDefinition<any, any, infer Out, any> ? Out : never;

/** A definition as the runtime stores it, whatever its type parameters. */
// biome-ignore lint/suspicious/noExplicitAny: a list of room types holds every state type
export type AnyRoomDefinition = RoomDefinition<any, any, any, any>;
