import { ARENA_SIZE, type Pos } from "./position-codec.js";

// Colour and starting point come from the player id alone, so every page agrees on them before
// the first position message arrives, with nothing extra on the wire.

function hash(s: string): number {
  // FNV-1a: tiny, and spreads short ids well enough for colours.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function playerHue(id: string): number {
  return hash(id) % 360;
}

export function playerColor(id: string): string {
  return `hsl(${playerHue(id)} 80% 62%)`;
}

export function spawnPosition(id: string): Pos {
  const h = hash(`spawn:${id}`);
  const margin = ARENA_SIZE * 0.15;
  const span = ARENA_SIZE - 2 * margin;
  return {
    x: Math.round(margin + ((h & 0xffff) / 0xffff) * span),
    y: Math.round(margin + ((h >>> 16) / 0xffff) * span),
  };
}
