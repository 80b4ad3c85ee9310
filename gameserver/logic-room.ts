// A room of a logic type on a game server: its RoomRuntime (rooms/) driven in real time. The
// runtime knows no clock of its own: it is told the room time and asked when it next needs to
// be, and this wakes it then. Room time goes on from the snapshot after a move (snapshot time +
// monotonic time elapsed here), so a room's timers and ticks do not jump when it changes servers.
import type { Logger } from "../common/log.js";
import { countLogic } from "./metrics.js";
import {
  type AnyRoomDefinition,
  type InputOutcome,
  type JoinOutcome,
  RoomRuntime,
  SnapshotError,
} from "../rooms/index.js";

/** What the room tells its host. */
export interface LogicRoomHost {
  /** A sync frame (protocol/sync/wire.ts) for one player. */
  send(playerId: string, frame: Uint8Array): void;
  /** The same sync frame for every player in the room but `exceptPlayerId`. */
  sendAll(frame: Uint8Array, exceptPlayerId: string | undefined): void;
  /** The room ended itself (ctx.close, a hook threw): its players get `reason`. Called once. */
  ended(reason: string): void;
  /** The room ran (an event, a tick, a timer): its snapshot is out of date. */
  changed(): void;
}

export interface LogicRoomInit {
  roomId: string;
  maxPlayers: number;
  metadata: Readonly<Record<string, string>>;
  host: LogicRoomHost;
  log: Logger;
  /** Milliseconds from a monotonic clock; default performance.now. */
  monotonic?: () => number;
}

export class LogicRoom {
  readonly runtime: RoomRuntime;
  private readonly host: LogicRoomHost;
  private readonly monotonic: () => number;
  /** Room time when this server took the room, and the monotonic time then. */
  private readonly baseMs: number;
  private readonly startedAt: number;
  private timer?: NodeJS.Timeout;
  private armedFor?: number;
  /** A joining player's frames are held until the host has welcomed them (or turned them away). */
  private holding?: { playerId: string; frames: Uint8Array[] };
  private stopped = false;
  /** What the metrics have counted of this room so far. */
  private counted = { cpuMs: 0, ticks: 0, overruns: 0 };
  /** What the last load report said of this room's CPU, and when (monotonic ms). */
  private reported = { cpuMs: 0, at: 0, load: 0 };

  /**
   * A new room, or, with `snapshot` (RoomRuntime.snapshot() bytes from the server the room left),
   * the room resumed where it was: onRestore instead of onCreate. A snapshot that cannot be read
   * (another build's format, another type) is logged and the room starts afresh.
   */
  constructor(definition: AnyRoomDefinition, init: LogicRoomInit, snapshot?: Uint8Array) {
    this.monotonic = init.monotonic ?? (() => performance.now());
    const roomInit = {
      roomId: init.roomId,
      maxPlayers: init.maxPlayers,
      metadata: init.metadata,
      log: init.log,
      transport: {
        send: (playerId: string, frame: Uint8Array) => {
          if (this.holding?.playerId === playerId) this.holding.frames.push(frame);
          else init.host.send(playerId, frame);
        },
        sendAll: (frame: Uint8Array, exceptPlayerId: string | undefined) => {
          // The host's fan-out reaches a joining player only once it is seated: its copy waits
          // with the rest of its frames, in order.
          if (this.holding && this.holding.playerId !== exceptPlayerId) this.holding.frames.push(frame);
          init.host.sendAll(frame, exceptPlayerId);
        },
        closed: (reason: string) => {
          this.stop();
          init.host.ended(reason);
        },
      },
    };
    let runtime: RoomRuntime | undefined;
    if (snapshot && snapshot.byteLength > 0) {
      try {
        runtime = RoomRuntime.restore(definition, snapshot, roomInit);
      } catch (e) {
        if (!(e instanceof SnapshotError)) throw e;
        init.log.warn("room logic snapshot unreadable; the room starts afresh", {
          roomId: init.roomId,
          roomType: definition.type,
          error: e.message,
        });
      }
    }
    this.runtime = runtime ?? RoomRuntime.create(definition, roomInit);
    // A restored room's tick count goes on from its snapshot: only ticks run here are counted.
    this.counted.ticks = this.runtime.stats.ticks;
    this.baseMs = this.runtime.schedule.now;
    this.startedAt = this.monotonic();
    this.reported.at = this.startedAt;
    this.host = init.host;
    this.arm();
  }

  /** Room time now. */
  now(): number {
    return this.baseMs + (this.monotonic() - this.startedAt);
  }

  /**
   * Seats a player (or gives a seated one the state again). The frames for them are returned
   * rather than sent, so the host sends them after its welcome, or never when the room refused.
   */
  join(player: { id: string; name: string; claims?: Record<string, unknown> }): {
    outcome: JoinOutcome;
    frames: Uint8Array[];
  } {
    this.catchUp();
    const held = { playerId: player.id, frames: [] as Uint8Array[] };
    this.holding = held;
    let outcome: JoinOutcome;
    try {
      outcome = this.runtime.join(player);
    } finally {
      this.holding = undefined;
    }
    this.ran();
    return { outcome, frames: held.frames };
  }

  leave(playerId: string, consented: boolean): void {
    this.catchUp();
    this.runtime.leave(playerId, consented);
    this.ran();
  }

  /** A player the restored room still expected will not come back: onLeave runs for them. */
  absent(playerId: string): void {
    this.catchUp();
    this.runtime.absent(playerId);
    this.ran();
  }

  message(playerId: string, bytes: Uint8Array): InputOutcome {
    this.catchUp();
    const outcome = this.runtime.message(playerId, bytes);
    this.ran();
    return outcome;
  }

  /** RoomRuntime.snapshot(): undefined when the room is closed or onSnapshot threw. */
  snapshot(): Uint8Array | undefined {
    return this.runtime.snapshot();
  }

  /** The room ends here for good: onDispose runs and its players get `reason`. */
  close(reason: string): void {
    this.stop();
    this.runtime.close(reason);
  }

  /** The room goes on elsewhere (it migrates): stop driving it without ending it. */
  abandon(): void {
    this.stop();
  }

  /**
   * For the load report: CPU time on this server so far, and the share of one core since the
   * previous report. Undefined when there is nothing new to say (no CPU used, and zero said last).
   */
  cpuSince(): { cpuSeconds: number; load: number } | undefined {
    const cpuMs = this.runtime.stats.cpuMs;
    const now = this.monotonic();
    const r = this.reported;
    if (cpuMs === r.cpuMs && r.load === 0) return undefined;
    const load = now > r.at ? (cpuMs - r.cpuMs) / (now - r.at) : 0;
    this.reported = { cpuMs, at: now, load };
    return { cpuSeconds: cpuMs / 1000, load };
  }

  /** What is due by now runs first, so an event lands at the room time it happened. */
  private catchUp() {
    if (!this.stopped) this.runtime.advance(this.now());
  }

  private ran() {
    this.count();
    if (this.stopped) return;
    this.host.changed();
    this.arm();
  }

  private count() {
    const { cpuMs, ticks, overruns } = this.runtime.stats;
    const c = this.counted;
    countLogic(this.runtime.type, cpuMs - c.cpuMs, ticks - c.ticks, overruns - c.overruns);
    this.counted = { cpuMs, ticks, overruns };
  }

  /** Wakes the room when its next tick or timer is due (and only re-arms when that moved). */
  private arm() {
    if (this.stopped) return;
    const due = this.runtime.nextDueMs();
    if (due === this.armedFor && this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = due;
    if (due === undefined) return;
    // A timer never fires early, but it rounds to whole ms: waking a ms late beats waking twice.
    this.timer = setTimeout(() => this.fire(), Math.max(1, Math.ceil(due - this.now())));
  }

  private fire() {
    this.timer = undefined;
    if (this.stopped) return;
    this.runtime.advance(this.now());
    this.ran();
  }

  private stop() {
    if (this.runtime) this.count();
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
