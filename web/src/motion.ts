import { ARENA_SIZE, type Pos } from "./position-codec.js";

// Movement is computed locally and only its result is shared: each page is the authority on its
// own dot, which is all a game of "walk around and see each other" needs.

/** Arena units per second: crossing the arena takes about two and a half seconds. */
export const SPEED = 400;
/** Keeps the whole dot inside the arena. */
export const EDGE = 30;

export interface Intent {
  /** Keyboard direction, each component -1, 0 or 1. */
  dx: number;
  dy: number;
  /** Where a click or tap asked to go; the keyboard takes over from it. */
  target?: Pos;
}

export interface Step {
  pos: Pos;
  /** The target still to reach, if any. */
  target?: Pos;
}

export function step(pos: Pos, intent: Intent, dtSeconds: number): Step {
  const dt = Math.min(Math.max(dtSeconds, 0), 0.1); // a stalled tab must not teleport its dot
  const reach = SPEED * dt;
  if (intent.dx !== 0 || intent.dy !== 0) {
    const len = Math.hypot(intent.dx, intent.dy);
    return { pos: clamp({ x: pos.x + (intent.dx / len) * reach, y: pos.y + (intent.dy / len) * reach }) };
  }
  if (intent.target) {
    const target = clamp(intent.target);
    const dist = Math.hypot(target.x - pos.x, target.y - pos.y);
    if (dist <= reach) return { pos: target };
    return {
      pos: { x: pos.x + ((target.x - pos.x) / dist) * reach, y: pos.y + ((target.y - pos.y) / dist) * reach },
      target,
    };
  }
  return { pos };
}

export function clamp(p: Pos): Pos {
  const c = (n: number) => Math.min(ARENA_SIZE - EDGE, Math.max(EDGE, n));
  return { x: c(p.x), y: c(p.y) };
}

export function samePoint(a: Pos | undefined, b: Pos): boolean {
  return !!a && Math.round(a.x) === Math.round(b.x) && Math.round(a.y) === Math.round(b.y);
}
