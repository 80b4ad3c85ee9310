import { applyServerFrame, createStateReplica } from "@roomgate/client/sync";
import { type Arena, arenaState, moveSome } from "./arena.js";
import type { StampsReply } from "./e2e-rooms.js";
import type { SyncOptions } from "./options.js";

// A player's copy of an e2e room (e2e-rooms.ts), and which tick each state it receives is: it
// replays the arena's simulation (arena.ts, deterministic) beside the room. A state that equals
// no tick's is a mismatch, so the run also proves every player's copy right.

/** Ticks a first state may be searched through (a room a quarter of an hour old at 20 Hz). */
const MAX_FIRST_SEARCH = 20_000;
/** Ticks a later state may skip ahead; none should be (a room sends every tick's change). */
const MAX_AHEAD = 3;

export type Followed =
  /** A state: the join's full frame (`joined`) or a tick's change; tick undefined when it matched none. */
  | { kind: "state"; joined: boolean; tick: number | undefined }
  | { kind: "stamps"; reply: StampsReply }
  /** A full-state room's empty join frame. */
  | { kind: "none" };

export class ArenaFollower {
  mismatches = 0;
  private readonly replica = createStateReplica<Partial<Arena>>();
  private sim: Arena;
  private simTick = 0;
  private located = false;
  private readonly round: (v: number) => number;

  constructor(
    private readonly o: SyncOptions,
    /** The room sends the whole arena as a message every tick (E2E mode full-state). */
    private readonly fullState: boolean,
    float32: boolean,
  ) {
    this.sim = arenaState(o);
    this.round = float32 ? Math.fround : (v) => v;
  }

  /** Applies one sync frame (throws WireError when malformed). */
  apply(bytes: Uint8Array): Followed {
    const applied = applyServerFrame(this.replica, bytes);
    let view: Arena | undefined;
    if (applied.kind === "message") {
      const m = applied.message as Partial<StampsReply & Arena>;
      if (m.stampsFrom !== undefined) return { kind: "stamps", reply: m as StampsReply };
      if (this.fullState) view = m as Arena;
    } else if (!this.fullState && this.replica.state?.entities) {
      view = this.replica.state as Arena;
    }
    if (!view) return { kind: "none" };
    return { kind: "state", joined: applied.kind === "full", tick: this.locate(view) };
  }

  private locate(view: Arena): number | undefined {
    if (this.located) {
      for (let i = 0; i < MAX_AHEAD; i++) {
        moveSome(this.sim, this.o, ++this.simTick);
        if (this.same(view)) return this.simTick;
      }
    } else {
      this.sim = arenaState(this.o);
      this.simTick = 0;
      while (this.simTick < MAX_FIRST_SEARCH) {
        if (this.same(view)) {
          this.located = true;
          return this.simTick;
        }
        moveSome(this.sim, this.o, ++this.simTick);
      }
    }
    this.mismatches++;
    this.located = false;
    return undefined;
  }

  private same(view: Arena): boolean {
    for (const [k, e] of Object.entries(this.sim.entities)) {
      const got = view.entities?.[k];
      if (got?.x !== this.round(e.x) || got?.y !== this.round(e.y)) return false;
    }
    return true;
  }
}

/** A StampsReply's tick times. */
export function stampTimes(r: StampsReply): Float64Array {
  const b = r.ms;
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
