import { defineRoom } from "../../rooms/index.js";
import type { SyncOptions } from "./options.js";

// The measured room: entities with two float coordinates each; every tick a different `moving`
// of them take a step along a curve, so coordinates are never round numbers.

export interface Arena {
  entities: Record<string, { x: number; y: number }>;
}

export function arenaRoom(o: SyncOptions, precision: "float64" | "float32") {
  return defineRoom<Arena>({
    type: `bench-${precision}`,
    tickHz: o.tickHz,
    maxPlayers: o.players,
    precision,
    initialState: () => arenaState(o),
    onTick: (ctx, t) => moveSome(ctx.state, o, t.tick),
  });
}

/** The state before the first tick. */
export function arenaState(o: SyncOptions): Arena {
  return {
    entities: Object.fromEntries(
      Array.from({ length: o.entities }, (_, i) => [`e${i}`, { x: 100 + i * 37.25, y: 50 + i * 11.5 }]),
    ),
  };
}

export function moveSome(state: Arena, o: SyncOptions, tick: number): void {
  for (let j = 0; j < o.moving; j++) {
    const e = state.entities[`e${(tick * o.moving + j) % o.entities}`]!;
    e.x += Math.cos(tick * 0.1 + j) * 3.3;
    e.y += Math.sin(tick * 0.1 + j) * 3.3;
  }
}
