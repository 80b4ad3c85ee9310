// roomgate/testing: run a room definition in-process with fake players and a manual clock, no
// network. Players receive the very frames a game server would send and apply them with the
// SDK's applier (protocol/sync/replica.ts), so a test sees what a client would see.
import type { Logger } from "../common/log.js";
import {
  type AppliedFrame,
  applyServerFrame,
  createStateReplica,
  type StateReplica,
} from "@roomgate/client/protocol/sync/replica";
import { encodeValue, type WireValue } from "@roomgate/client/protocol/sync/values";
import { type InputOutcome, RoomRuntime, type RoomStats } from "./room-runtime.js";
import type { RoomDefinition } from "./types.js";

export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  fields: Record<string, unknown>;
}

export interface TestRoomOptions {
  roomId?: string;
  maxPlayers?: number;
  metadata?: Record<string, string>;
  /** Where log lines go besides `room.logs` (default: only there). */
  log?: Logger;
  /** The CPU stopwatch (ms); pass one to make tick durations deterministic. */
  stopwatch?: () => number;
}

export class JoinRefusedError extends Error {
  constructor(readonly reason: string) {
    super(`join refused: ${reason}`);
    this.name = "JoinRefusedError";
  }
}

function capture(lines: LogLine[], also?: Logger): Logger {
  const at =
    (level: LogLine["level"]) =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      lines.push({ level, msg, fields });
      also?.[level](msg, fields);
    };
  const log: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: () => log };
  return log;
}

export class TestPlayer<In = WireValue, Out = WireValue, V = unknown> {
  /** Every frame this player received, exactly as encoded. */
  readonly frames: Uint8Array[] = [];
  /** Messages the room sent this player (ctx.send, ctx.broadcast), decoded. */
  readonly messages: Out[] = [];
  readonly replica: StateReplica<V> = createStateReplica<V>();
  /** Set when the room closed with this player in it. */
  closedWith?: string;
  left = false;

  constructor(
    private readonly room: TestRoom<object, In, Out, V>,
    readonly id: string,
    readonly name: string,
  ) {}

  /** The state as this player sees it, built only from the frames it received. */
  get state(): V {
    return this.replica.state as V;
  }

  receive(frame: Uint8Array): AppliedFrame {
    this.frames.push(frame);
    const applied = applyServerFrame(this.replica, frame);
    if (applied.kind === "message") this.messages.push(applied.message as Out);
    return applied;
  }

  send(message: In): InputOutcome {
    return this.sendBytes(encodeValue(message));
  }

  /** Raw input bytes, as a hostile client could send them. */
  sendBytes(bytes: Uint8Array): InputOutcome {
    return this.room.runtime.message(this.id, bytes);
  }

  leave(consented = true): void {
    this.left = true;
    this.room.runtime.leave(this.id, consented);
  }
}

export class TestRoom<S extends object = Record<string, unknown>, In = WireValue, Out = WireValue, V = S> {
  readonly runtime: RoomRuntime;
  readonly logs: LogLine[] = [];
  readonly players = new Map<string, TestPlayer<In, Out, V>>();
  /** Why the room closed, as its players were told. */
  closedWith?: string;
  private nextPlayer = 1;

  /** Starts a room of `definition` (onCreate runs now), or resumes one from `snapshot` (onRestore runs). */
  constructor(
    readonly definition: RoomDefinition<S, In, Out, V>,
    options: TestRoomOptions = {},
    snapshot?: Uint8Array,
  ) {
    const init = {
      roomId: options.roomId ?? "test-room",
      maxPlayers: options.maxPlayers,
      metadata: options.metadata,
      log: capture(this.logs, options.log),
      stopwatch: options.stopwatch,
      transport: {
        send: (playerId: string, frame: Uint8Array) => {
          const p = this.players.get(playerId);
          if (!p) throw new Error(`the room sent a frame to ${playerId}, who is not in it`);
          p.receive(frame);
        },
        closed: (reason: string) => {
          this.closedWith = reason;
          for (const p of this.players.values()) if (!p.left) p.closedWith = reason;
        },
      },
    };
    this.runtime = snapshot ? RoomRuntime.restore(definition, snapshot, init) : RoomRuntime.create(definition, init);
  }

  /** The server's state (everything, hidden parts too). */
  get state(): S {
    return this.runtime.state as S;
  }

  /** Room time in ms. */
  get now(): number {
    return this.runtime.schedule.now;
  }

  get stats(): RoomStats {
    return this.runtime.stats;
  }

  /** Joins a fake player; throws JoinRefusedError with the reason the room gave. */
  join(who: string | { id?: string; name: string; claims?: Record<string, unknown> }): TestPlayer<In, Out, V> {
    const w = typeof who === "string" ? { name: who } : who;
    const id = w.id ?? `p${this.nextPlayer++}`;
    const player = this.players.get(id) ?? new TestPlayer<In, Out, V>(this as never, id, w.name);
    player.left = false;
    this.players.set(id, player);
    const outcome = this.runtime.join({ id, name: w.name, claims: w.claims });
    if (!outcome.ok) {
      this.players.delete(id);
      throw new JoinRefusedError(outcome.reason);
    }
    return player;
  }

  /**
   * Moves the manual clock forward by `ms` as a host on time would: every tick and timer runs at
   * its own time, nothing is skipped.
   */
  advance(ms: number): void {
    const to = this.now + ms;
    for (;;) {
      const next = this.runtime.nextDueMs();
      if (next === undefined || next > to) break;
      this.runtime.advance(next);
    }
    this.runtime.advance(to);
  }

  /**
   * Moves the clock forward by `ms` in one step, as a host that was busy that long: due ticks
   * become one tick that reports how many it skipped, and a late interval fires once.
   */
  jump(ms: number): void {
    this.runtime.advance(this.now + ms);
  }

  /** Runs `n` ticks, one period each, as a room on time would. */
  tick(n = 1): void {
    const hz = this.definition.tickHz;
    if (!hz) throw new Error(`room type "${this.definition.type}" has no tickHz`);
    for (let i = 0; i < n; i++)
      this.runtime.advance(this.runtime.schedule.slotTime(this.runtime.schedule.lastSlot + 1));
  }

  snapshot(): Uint8Array {
    const bytes = this.runtime.snapshot();
    if (!bytes) throw new Error(`no snapshot: the room is closed (${this.closedWith})`);
    return bytes;
  }

  close(reason = "test over"): void {
    this.runtime.close(reason);
  }
}

/** Runs `definition` in-process: `room.join("ann")`, `ann.send(...)`, `room.tick()`, `ann.state`. */
export function testRoom<S extends object, In, Out, V>(
  definition: RoomDefinition<S, In, Out, V>,
  options?: TestRoomOptions,
): TestRoom<S, In, Out, V> {
  return new TestRoom(definition, options);
}

/** Resumes a room from `room.snapshot()` bytes, as a server the room moved to would (players join again). */
export function restoreTestRoom<S extends object, In, Out, V>(
  definition: RoomDefinition<S, In, Out, V>,
  snapshot: Uint8Array,
  options?: TestRoomOptions,
): TestRoom<S, In, Out, V> {
  return new TestRoom(definition, options, snapshot);
}
