import type { Room } from "@roomgate/client";
import type { dots } from "../../examples/dots.js";
import type { Intent } from "./motion.js";
import { EDGE } from "./motion.js";
import { ARENA_SIZE, type Pos } from "./position-codec.js";

// The demo in a room of the "dots" type (examples/dots.ts): the server owns every position and
// moves every dot; this page only sends the direction its player asks for, when it changes. A
// click or tap becomes the direction towards it, until the room's dot is there.

export type DotsRoom = Room<typeof dots>;

/** The room's arena (examples/dots.ts ARENA, 0 to ARENA_SIZE) drawn inside the demo's margin. */
export function toView(p: { x: number; y: number }): Pos {
  const scale = (ARENA_SIZE - 2 * EDGE) / ARENA_SIZE;
  return { x: EDGE + p.x * scale, y: EDGE + p.y * scale };
}

/** Arena units (as drawn) within which a target counts as reached on an axis. */
const ARRIVED = 12;

/** The direction to send: the keys', or towards the target; `arrived` once the target is reached. */
export function direction(at: Pos | undefined, intent: Intent): { dx: number; dy: number; arrived: boolean } {
  if (intent.dx !== 0 || intent.dy !== 0 || !intent.target || !at)
    return { dx: intent.dx, dy: intent.dy, arrived: !!intent.target && !at };
  const axis = (d: number) => (Math.abs(d) <= ARRIVED ? 0 : Math.sign(d));
  const dx = axis(intent.target.x - at.x);
  const dy = axis(intent.target.y - at.y);
  return { dx, dy, arrived: dx === 0 && dy === 0 };
}

/** Sends the direction only when it changed: one input per key press, not one per frame. */
export class DirectionSender {
  private last = "0,0";

  constructor(private readonly room: DotsRoom) {}

  send(dx: number, dy: number) {
    const key = `${dx},${dy}`;
    if (key === this.last || this.room.connection !== "open") return;
    this.room.input({ dx, dy });
    this.last = key;
  }

  /** After a reconnect the room may not have our direction: send it again. */
  forget() {
    this.last = "";
  }
}
