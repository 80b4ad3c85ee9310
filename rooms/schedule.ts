// A room's time: the clock, its tick schedule and its timers, all in room time (ms since the room
// was created, going on from a snapshot after a move). Nothing here reads a real clock: whoever
// drives the room (the game server's loop, or a test's manual clock) says what time it is, so a
// room runs the same way every time it is given the same times.
import type { WireValue } from "@roomgate/client/protocol/sync/values";

export interface Timer {
  readonly id: number;
  readonly name: string;
  dueMs: number;
  /** 0: fires once. */
  readonly everyMs: number;
  readonly data: WireValue;
}

/** One thing that is due: a timer, or a tick (which stands for every tick due until `atMs`). */
export type Due =
  | { kind: "timer"; timer: Timer; skipped: number }
  | { kind: "tick"; atMs: number; elapsedMs: number; skipped: number };

export class RoomSchedule {
  now = 0;
  /** onTick calls so far. */
  tick = 0;
  /** The index of the last tick slot run (slot k is due at k / tickHz seconds). */
  lastSlot = 0;
  nextTimerId = 1;
  /** Pending timers by due time, then id (creation order): ties fire in the order they were set. */
  readonly timers: Timer[] = [];

  constructor(readonly tickHz: number) {}

  private slotAt(ms: number): number {
    // The epsilon keeps 1000/30 * 3 from landing just below slot 3.
    return Math.floor((ms * this.tickHz) / 1000 + 1e-9);
  }

  slotTime(slot: number): number {
    return (slot * 1000) / this.tickHz;
  }

  add(delayMs: number, everyMs: number, name: string, data: WireValue): number {
    const timer: Timer = { id: this.nextTimerId++, name, dueMs: this.now + delayMs, everyMs, data };
    this.insert(timer);
    return timer.id;
  }

  insert(timer: Timer): void {
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1]!.dueMs > timer.dueMs) i--;
    this.timers.splice(i, 0, timer);
  }

  cancel(id: number): boolean {
    const i = this.timers.findIndex((t) => t.id === id);
    if (i < 0) return false;
    this.timers.splice(i, 1);
    return true;
  }

  cancelAll(name?: string): void {
    if (name === undefined) this.timers.length = 0;
    else for (let i = this.timers.length - 1; i >= 0; i--) if (this.timers[i]!.name === name) this.timers.splice(i, 1);
  }

  /** The room time of the next thing due (a tick or a timer), for a driver to sleep until. */
  nextDueMs(): number | undefined {
    const tickAt = this.tickHz > 0 ? this.slotTime(this.lastSlot + 1) : Number.POSITIVE_INFINITY;
    const timerAt = this.timers[0]?.dueMs ?? Number.POSITIVE_INFINITY;
    const next = Math.min(tickAt, timerAt);
    return Number.isFinite(next) ? next : undefined;
  }

  /**
   * Takes the next thing due at or before `toMs` and moves the clock to its time, or returns
   * undefined (the clock is then at `toMs`). Ticks a late room missed become one tick that says
   * how many it skipped; timers due before that tick's time run before it.
   */
  takeDue(toMs: number): Due | undefined {
    const slot = this.tickHz > 0 ? this.slotAt(toMs) : 0;
    const tickAt = slot > this.lastSlot ? this.slotTime(slot) : Number.POSITIVE_INFINITY;
    const timer = this.timers[0];
    if (timer && timer.dueMs <= toMs && timer.dueMs <= tickAt) {
      this.timers.shift();
      this.now = Math.max(this.now, timer.dueMs);
      let skipped = 0;
      if (timer.everyMs > 0) {
        // A late interval fires once and says how many firings it skipped.
        const behind = Math.floor((toMs - timer.dueMs) / timer.everyMs);
        skipped = Math.max(0, behind);
        timer.dueMs += timer.everyMs * (skipped + 1);
        this.insert(timer);
      }
      return { kind: "timer", timer, skipped };
    }
    if (slot > this.lastSlot) {
      const due: Due = {
        kind: "tick",
        atMs: tickAt,
        elapsedMs: tickAt - this.slotTime(this.lastSlot),
        skipped: slot - this.lastSlot - 1,
      };
      this.lastSlot = slot;
      this.tick++;
      this.now = Math.max(this.now, tickAt);
      return due;
    }
    this.now = Math.max(this.now, toMs);
    return undefined;
  }
}
