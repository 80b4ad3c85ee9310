// An authoritative arena: each player is a dot; clients send only a direction, and the server
// moves every dot at a fixed speed, 20 times a second, inside the arena. A client cannot
// teleport or speed up: positions are never taken from it, and inputs that are not one of the
// eight directions (or stop) are ignored.
import { defineRoom } from "roomgate/server";

/** Square, and of the browser demo's size (web/src/position-codec.ts ARENA_SIZE), which draws it. */
export const ARENA = { width: 1000, height: 1000 } as const;
/** Arena units per second: the demo's walking speed (web/src/motion.ts). */
export const SPEED = 400;
/** How long a moved room keeps the dots of players who have not rejoined. */
export const REJOIN_GRACE_MS = 15_000;

export interface Dot {
  x: number;
  y: number;
  /** The direction the player asked for, each -1, 0 or 1. */
  dx: number;
  dy: number;
  name: string;
}
export interface DotsState {
  dots: Record<string, Dot>;
}
/** What a client sends: a direction, each axis -1, 0 or 1 ({dx: 0, dy: 0} stops). */
export interface DotsInput {
  dx: number;
  dy: number;
}

const isAxis = (v: unknown): v is -1 | 0 | 1 => v === -1 || v === 0 || v === 1;
const clamp = (v: number, max: number) => Math.min(max, Math.max(0, v));

export const dots = defineRoom<DotsState, DotsInput>({
  type: "dots",
  tickHz: 20,
  maxPlayers: 16,
  // Positions are drawn, not summed by clients: 4-byte floats are plenty.
  precision: "float32",
  initialState: () => ({ dots: {} }),
  timers: {
    // After a move, players who did not come back lose their dot.
    dropAbsent(ctx) {
      for (const id of Object.keys(ctx.state.dots)) if (!ctx.players.has(id)) delete ctx.state.dots[id];
    },
  },
  onRestore(ctx) {
    ctx.timers.after(REJOIN_GRACE_MS, "dropAbsent");
  },
  onJoin(ctx, player) {
    // A player who comes back (a reconnect, or after the room moved) finds their dot where it was.
    ctx.state.dots[player.id] ??= {
      x: ARENA.width / 2,
      y: ARENA.height / 2,
      dx: 0,
      dy: 0,
      name: player.name,
    };
  },
  onMessage(ctx, player, input) {
    const dot = ctx.state.dots[player.id];
    if (!dot || typeof input !== "object" || input === null) return;
    if (!isAxis(input.dx) || !isAxis(input.dy)) return;
    dot.dx = input.dx;
    dot.dy = input.dy;
  },
  onTick(ctx, { elapsedMs }) {
    const step = (SPEED * elapsedMs) / 1000;
    for (const dot of Object.values(ctx.state.dots)) {
      if (dot.dx === 0 && dot.dy === 0) continue;
      // Diagonals move at the same speed as straight lines.
      const norm = dot.dx !== 0 && dot.dy !== 0 ? Math.SQRT1_2 : 1;
      dot.x = clamp(dot.x + dot.dx * step * norm, ARENA.width);
      dot.y = clamp(dot.y + dot.dy * step * norm, ARENA.height);
    }
  },
  onLeave(ctx, player) {
    delete ctx.state.dots[player.id];
  },
});

export default [dots];
