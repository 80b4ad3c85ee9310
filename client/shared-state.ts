// The room's shared state as this player knows it: replaced by every welcome, changed one key at a time in between.
import type { StateEntry } from "./gen/roomgate/v1/room_pb.js";
import type { StateValue } from "./room-types.js";

/** Announces one change: `value` undefined when the key was deleted, `from` "" when no player made it. */
export type StateListener = (key: string, value: Uint8Array | undefined, from: string) => void;

/** What a welcome did to the state. */
export interface Replaced {
  /** Keys of the returning player's own that the server lost or holds older: to be set again. */
  reassert: [string, StateValue][];
  /** Announces every key that differs from the state before the welcome, as if we had watched it change. */
  announceChanges(): void;
}

export class SharedState {
  /** key -> value and owner; a new map with every welcome. */
  private map = new Map<string, StateValue>();

  constructor(private readonly announce: StateListener) {}

  /** The current map (a welcome replaces it, so callers read it anew each time). */
  get view(): ReadonlyMap<string, StateValue> {
    return this.map;
  }

  /** One change to the shared state, applied and announced. */
  apply(key: string, v: StateValue | undefined, from: string): void {
    if (v) this.map.set(key, v);
    else if (!this.map.delete(key)) return;
    this.announce(key, v?.value, from);
  }

  /**
   * Takes a welcome's state. `returning` is the player id when we are back as the same player
   * after a reconnect, otherwise undefined.
   */
  replace(entries: readonly StateEntry[], returning: string | undefined): Replaced {
    const before = this.map;
    const next = new Map(entries.map((e) => [e.key, { value: e.value, owner: e.ownerPlayerId }]));
    // Back as the same player: what we own and the server lost (it drops owned keys when our
    // connection does) or holds an older value of (a snapshot taken before our last change), we
    // set again. Nobody else writes our keys, so our copy is the latest.
    const reassert =
      returning !== undefined
        ? [...before].filter(([key, v]) => v.owner === returning && !sameValue(next.get(key), v))
        : [];
    for (const [key, v] of reassert) next.set(key, v);
    this.map = next;
    return {
      reassert,
      announceChanges: () => {
        for (const key of before.keys()) if (!next.has(key)) this.announce(key, undefined, "");
        for (const [key, v] of next) if (!sameValue(before.get(key), v)) this.announce(key, v.value, "");
      },
    };
  }
}

function sameValue(a: StateValue | undefined, b: StateValue | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.owner !== b.owner || a.value.byteLength !== b.value.byteLength) return false;
  return a.value.every((x, i) => x === b.value[i]);
}
