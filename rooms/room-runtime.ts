// One running logic room, without a network: the host (the game server later, the testing kit
// now) hands it players, their input bytes and the time, and gets frames to deliver. Every hook
// call is guarded: a throw is logged with the room's id and type and closes the room (or, with
// onError "drop-input", drops that input), so room code never takes its host down.
// Longer than our ~350 lines on purpose: every hook's guard, the schedule and the sync share one
// room's state; the schedule (schedule.ts), sync (room-sync.ts) and snapshots live apart.
import { type Logger, silentLogger } from "../common/log.js";
import {
  DEFAULT_DECODE_LIMITS,
  type DecodeLimits,
  decodeValue,
  type WireValue,
} from "@roomgate/client/protocol/sync/values";
import { createContext } from "./context.js";
import { withFields } from "./room-log.js";
import { RoomSchedule } from "./schedule.js";
import { TickBudget } from "./tick-budget.js";
import { decodeSnapshot, encodeSnapshot } from "./snapshot.js";
import { RoomSync } from "./room-sync.js";
import type { AnyRoomDefinition, CreateInfo, Player, RoomContext } from "./types.js";

export interface RoomTransport {
  /** Delivers one server frame (protocol/sync/wire.ts FRAME) to one player. */
  send(playerId: string, frame: Uint8Array): void;
  /**
   * Delivers the same frame to every seated player but `exceptPlayerId`. A host with pub/sub
   * (the game server's WebSocket topics) reaches them all in one call; without this, `send` is
   * called once per player.
   */
  sendAll?(frame: Uint8Array, exceptPlayerId: string | undefined): void;
  /** The room is closed: end every player's connection with this reason. Called once. */
  closed(reason: string): void;
}

export interface RoomInit {
  readonly roomId: string;
  /** The room's max_players; the definition's maxPlayers lowers it. Default 8. */
  readonly maxPlayers?: number;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly transport: RoomTransport;
  readonly log?: Logger;
  /** Milliseconds from a monotonic clock, to count CPU time and tick durations. Default performance.now. */
  readonly stopwatch?: () => number;
  /** Bounds on what a player's input may decode to. */
  readonly inputLimits?: DecodeLimits;
}

export interface RoomStats {
  /** Time spent in this room's hooks, sync and encoding, in ms. */
  cpuMs: number;
  ticks: number;
  skippedTicks: number;
  /** Ticks (onTick and sync) that took longer than the tick budget. */
  overruns: number;
  lastTickMs: number;
  /** Inputs dropped because onMessage threw (onError "drop-input"). */
  droppedInputs: number;
  /** Inputs that were not a value (never reached onMessage). */
  undecodableInputs: number;
  framesSent: number;
  bytesSent: number;
}

export type JoinOutcome = { ok: true } | { ok: false; reason: string };
export type InputOutcome = "ok" | "undecodable" | "not-in-room" | "closed";

export class RoomRuntime {
  readonly id: string;
  readonly type: string;
  readonly maxPlayers: number;
  readonly stats: RoomStats = {
    cpuMs: 0,
    ticks: 0,
    skippedTicks: 0,
    overruns: 0,
    lastTickMs: 0,
    droppedInputs: 0,
    undecodableInputs: 0,
    framesSent: 0,
    bytesSent: 0,
  };
  state: Record<string, unknown> = {};
  readonly players = new Map<string, Player>();
  readonly schedule: RoomSchedule;
  readonly ctx: RoomContext<Record<string, unknown>>;
  readonly log: Logger;
  private readonly sync: RoomSync;
  private readonly stopwatch: () => number;
  private readonly budget: TickBudget;
  private closing?: { reason: string; graceful: boolean };
  /** Players of the snapshot a restored room came from who have not joined again yet. */
  private readonly expected = new Map<string, Player>();
  private closedWith?: string;

  private constructor(
    readonly definition: AnyRoomDefinition,
    private readonly init: RoomInit,
  ) {
    this.id = init.roomId;
    this.type = definition.type;
    this.maxPlayers = Math.min(init.maxPlayers ?? 8, definition.maxPlayers ?? Number.POSITIVE_INFINITY);
    this.log = withFields(init.log ?? silentLogger, { roomId: this.id, roomType: this.type });
    this.stopwatch = init.stopwatch ?? (() => performance.now());
    const tickHz = definition.tickHz ?? 0;
    const budgetMs = definition.tickBudgetMs ?? (tickHz > 0 ? 1000 / tickHz : Number.POSITIVE_INFINITY);
    this.budget = new TickBudget(budgetMs, this.log, this.stopwatch);
    this.schedule = new RoomSchedule(tickHz);
    this.sync = new RoomSync(definition.precision === "float32", definition.visibility, {
      one: (id, frame) => this.deliver(id, frame),
      all: (frame, except) => this.deliverAll(frame, except),
    });
    this.ctx = createContext(this);
  }

  /** A new room: initialState, then onCreate. A throw there leaves it closed (see closedReason). */
  static create(definition: AnyRoomDefinition, init: RoomInit): RoomRuntime {
    const room = new RoomRuntime(definition, init);
    const create: CreateInfo = Object.freeze({
      roomId: room.id,
      maxPlayers: room.maxPlayers,
      metadata: Object.freeze({ ...init.metadata }),
    });
    room.enter(() => {
      if (definition.initialState && !room.call("initialState", () => (room.state = definition.initialState!(create))))
        return;
      if (room.call("onCreate", () => definition.onCreate?.(room.ctx, create))) room.flush();
    });
    return room;
  }

  /** A room resumed from `snapshot()` bytes: onRestore instead of onCreate. Throws SnapshotError when unreadable. */
  static restore(definition: AnyRoomDefinition, snapshot: Uint8Array, init: RoomInit): RoomRuntime {
    const data = decodeSnapshot(snapshot, definition.type);
    const room = new RoomRuntime(definition, init);
    room.state = data.state;
    const s = room.schedule;
    s.now = data.nowMs;
    s.tick = data.tick;
    s.lastSlot = data.lastSlot;
    s.nextTimerId = data.nextTimerId;
    for (const t of data.timers) s.insert(t);
    room.stats.ticks = data.tick;
    for (const p of data.players) room.expected.set(p.id, p);
    room.enter(() => {
      const info = Object.freeze({ players: Object.freeze(data.players), extra: data.extra });
      if (room.call("onRestore", () => definition.onRestore?.(room.ctx, info))) room.flush();
    });
    return room;
  }

  /** Time spent in this room's hooks, sync and encoding so far, in ms (for the dashboard). */
  get cpuMs(): number {
    return this.stats.cpuMs;
  }

  get ticking(): boolean {
    return this.schedule.tickHz > 0;
  }

  /** Why the room closed; undefined while it runs. */
  get closedReason(): string | undefined {
    return this.closedWith;
  }

  /** Room time (ms) of the next tick or timer, for a driver to wake up at. */
  nextDueMs(): number | undefined {
    return this.closedWith === undefined ? this.schedule.nextDueMs() : undefined;
  }

  join(who: { id: string; name: string; claims?: Record<string, unknown> }): JoinOutcome {
    if (this.closedWith !== undefined) return { ok: false, reason: "room is closed" };
    const seated = this.sync.seats.get(who.id);
    if (seated) {
      // The same player again (a new connection on this server): their seat and view go on.
      this.enter(() => this.call("sync", () => this.sync.sendFull(seated, this.state)));
      return { ok: true };
    }
    if (this.sync.seats.size >= this.maxPlayers) return { ok: false, reason: "room is full" };
    this.expected.delete(who.id);
    const player: Player = Object.freeze({ id: who.id, name: who.name, claims: Object.freeze({ ...who.claims }) });
    let outcome: JoinOutcome = { ok: true };
    this.enter(() => {
      const seat = this.sync.seat(player);
      this.players.set(player.id, player);
      let refusal: string | undefined;
      const ok = this.call("onJoin", () => {
        const r = this.definition.onJoin?.(this.ctx, player);
        if (r && typeof r === "object" && "refuse" in r) refusal = String(r.refuse);
        return r;
      });
      if (!ok || refusal !== undefined || this.closing) {
        this.sync.seats.delete(player.id);
        this.players.delete(player.id);
        outcome = { ok: false, reason: refusal ?? (ok ? "room is closing" : "room error") };
        return;
      }
      if (this.call("sync", () => this.sync.sendFull(seat, this.state)) && !this.ticking) this.flush();
    });
    return outcome;
  }

  leave(playerId: string, consented: boolean): void {
    const seat = this.sync.seats.get(playerId);
    if (!seat || this.closedWith !== undefined) return;
    this.enter(() => {
      this.sync.seats.delete(playerId);
      this.players.delete(playerId);
      if (this.call("onLeave", () => this.definition.onLeave?.(this.ctx, seat.player, consented)) && !this.ticking) {
        this.flush();
      }
    });
  }

  /**
   * A player of the snapshot a restored room came from will not be back (their host gave up
   * waiting): onLeave runs for them, not consented, as if they had left here.
   */
  absent(playerId: string): void {
    const player = this.expected.get(playerId);
    if (!player || this.closedWith !== undefined) return;
    this.expected.delete(playerId);
    if (this.sync.seats.has(playerId)) return;
    this.enter(() => {
      if (this.call("onLeave", () => this.definition.onLeave?.(this.ctx, player, false)) && !this.ticking) this.flush();
    });
  }

  /** A player's input: one encoded value (protocol/sync/values.ts). Undecodable input never reaches onMessage. */
  message(playerId: string, bytes: Uint8Array): InputOutcome {
    if (this.closedWith !== undefined) return "closed";
    const seat = this.sync.seats.get(playerId);
    if (!seat) return "not-in-room";
    let input: WireValue;
    try {
      input = decodeValue(bytes, this.init.inputLimits ?? DEFAULT_DECODE_LIMITS);
    } catch {
      this.stats.undecodableInputs++;
      return "undecodable";
    }
    this.enter(() => {
      if (this.call("onMessage", () => this.definition.onMessage?.(this.ctx, seat.player, input)) && !this.ticking) {
        this.flush();
      }
    });
    return "ok";
  }

  /** Runs what is due up to room time `toMs`: timers, then at most one tick (late ticks are skipped and counted). */
  advance(toMs: number): void {
    if (this.closedWith !== undefined) return;
    this.enter(() => {
      while (!this.closing) {
        const due = this.schedule.takeDue(toMs);
        if (!due) return;
        if (due.kind === "timer") {
          const { timer, skipped } = due;
          const handler = this.definition.timers?.[timer.name];
          // A snapshot from an older build may name a timer this one no longer has.
          if (!handler) this.log.warn("room timer has no handler; dropped", { timer: timer.name });
          if (this.call(`timer ${timer.name}`, () => handler?.(this.ctx, timer.data, { skipped })) && !this.ticking) {
            this.flush();
          }
          continue;
        }
        const t0 = this.stopwatch();
        this.stats.ticks = this.schedule.tick;
        this.stats.skippedTicks += due.skipped;
        const info = Object.freeze({ tick: this.schedule.tick, elapsedMs: due.elapsedMs, skipped: due.skipped });
        if (this.call("onTick", () => this.definition.onTick?.(this.ctx, info))) this.flush();
        const ms = this.stopwatch() - t0;
        this.stats.lastTickMs = ms;
        if (this.budget.took(ms, this.schedule.tick)) this.stats.overruns++;
      }
    });
  }

  /** The room between two events, as bytes (rooms/snapshot.ts); undefined when closed or onSnapshot threw. */
  snapshot(): Uint8Array | undefined {
    if (this.closedWith !== undefined) return undefined;
    let bytes: Uint8Array | undefined;
    this.enter(() => {
      let extra: WireValue = null;
      if (!this.call("onSnapshot", () => (extra = this.definition.onSnapshot?.(this.ctx) ?? null))) return;
      const s = this.schedule;
      this.call("snapshot", () => {
        bytes = encodeSnapshot({
          type: this.type,
          nowMs: s.now,
          tick: s.tick,
          lastSlot: s.lastSlot,
          nextTimerId: s.nextTimerId,
          timers: [...s.timers],
          state: this.state,
          players: [...this.players.values()],
          extra,
        });
      });
    });
    return bytes;
  }

  /** Closes the room from outside (its host is going away): players get the last state, then `reason`. */
  close(reason: string): void {
    if (this.closedWith !== undefined) return;
    this.closing ??= { reason, graceful: true };
    this.enter(() => {});
  }

  /** ctx.close: the room ends after the hook that asked. */
  requestClose(reason: string): void {
    this.closing ??= { reason, graceful: true };
  }

  queue(out: { to?: string; except?: string; message: unknown }): void {
    this.sync.queue(out);
  }

  private measure(fn: () => void): void {
    const t0 = this.stopwatch();
    try {
      fn();
    } finally {
      this.stats.cpuMs += this.stopwatch() - t0;
    }
  }

  /** Every way in: counts CPU time, and finishes a close that a hook asked for or caused. */
  private enter(fn: () => void): void {
    this.measure(fn);
    if (this.closing && this.closedWith === undefined) this.measure(() => this.finish());
  }

  private call(hook: string, fn: () => unknown): boolean {
    try {
      const r = fn();
      if (r instanceof Promise) r.then(undefined, (e) => this.failedLater(hook, e));
      return true;
    } catch (e) {
      this.failed(hook, e);
      return false;
    }
  }

  private failed(hook: string, e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    this.log.error("room hook threw", { hook, error: err.message, stack: err.stack });
    if (this.closedWith !== undefined) return;
    if (this.definition.onError === "drop-input" && (hook === "onMessage" || hook === "onJoin")) {
      if (hook === "onMessage") this.stats.droppedInputs++;
      return;
    }
    // Whatever the hook changed before it threw is not sent: the room ends where it was.
    this.closing ??= { reason: `room error: ${hook} failed`, graceful: false };
  }

  private failedLater(hook: string, e: unknown): void {
    this.failed(hook, e);
    if (this.closing && this.closedWith === undefined) this.measure(() => this.finish());
  }

  private deliver(playerId: string, bytes: Uint8Array): void {
    this.stats.framesSent++;
    this.stats.bytesSent += bytes.byteLength;
    this.init.transport.send(playerId, bytes);
  }

  private deliverAll(bytes: Uint8Array, exceptPlayerId: string | undefined): void {
    const { transport } = this.init;
    if (!transport.sendAll) {
      for (const id of this.sync.seats.keys()) if (id !== exceptPlayerId) this.deliver(id, bytes);
      return;
    }
    const n = this.sync.seats.size - (exceptPlayerId !== undefined && this.sync.seats.has(exceptPlayerId) ? 1 : 0);
    this.stats.framesSent += n;
    this.stats.bytesSent += n * bytes.byteLength;
    transport.sendAll(bytes, exceptPlayerId);
  }

  /** This tick's state to every player (one patch each at most), then the messages queued meanwhile. */
  private flush(): void {
    this.call("sync", () => this.sync.flush(this.state));
  }

  private finish(): void {
    const { reason, graceful } = this.closing!;
    if (graceful) this.flush();
    this.closedWith = reason;
    this.call("onDispose", () => this.definition.onDispose?.(this.ctx, reason));
    this.schedule.cancelAll();
    this.sync.clear();
    this.players.clear();
    this.init.transport.closed(reason);
  }
}
