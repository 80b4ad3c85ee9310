import { ARENA_SIZE, type Pos } from "./position-codec.js";
import type { Intent } from "./motion.js";

// Keyboard (arrows and WASD, by physical key so other layouts work too) and pointer input (click,
// tap, or drag to steer) turned into one Intent per frame.

const DIRECTIONS: Record<string, [number, number]> = {
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  KeyW: [0, -1],
  KeyS: [0, 1],
  KeyA: [-1, 0],
  KeyD: [1, 0],
};

export class Controls {
  private readonly held = new Set<string>();
  private target: Pos | undefined;
  private dragging: number | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly arena: HTMLElement) {
    const opts = { signal: this.abort.signal };
    window.addEventListener("keydown", (e) => this.key(e, true), opts);
    window.addEventListener("keyup", (e) => this.key(e, false), opts);
    // A key released while the window had no focus would otherwise stay "held" forever.
    window.addEventListener("blur", () => this.held.clear(), opts);
    arena.addEventListener("pointerdown", (e) => this.pointerDown(e), opts);
    arena.addEventListener(
      "pointermove",
      (e) => {
        if (e.pointerId === this.dragging) this.target = this.toArena(e);
      },
      opts,
    );
    const release = (e: PointerEvent) => {
      if (e.pointerId === this.dragging) this.dragging = undefined;
    };
    arena.addEventListener("pointerup", release, opts);
    arena.addEventListener("pointercancel", release, opts);
  }

  /** What the player asks for now; a reached target is handed back through `arrived`. */
  intent(): Intent {
    let dx = 0;
    let dy = 0;
    for (const code of this.held) {
      const d = DIRECTIONS[code];
      if (d) {
        dx += d[0];
        dy += d[1];
      }
    }
    dx = Math.sign(dx);
    dy = Math.sign(dy);
    if (dx !== 0 || dy !== 0) this.target = undefined;
    return this.target ? { dx, dy, target: this.target } : { dx, dy };
  }

  /** The target the player is heading for, for the marker; undefined when none. */
  get heading(): Pos | undefined {
    return this.target;
  }

  arrived() {
    if (this.dragging === undefined) this.target = undefined;
  }

  dispose() {
    this.abort.abort();
    this.held.clear();
  }

  private key(e: KeyboardEvent, down: boolean) {
    if (!(e.code in DIRECTIONS)) return;
    if (down && isTyping(e.target)) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault(); // arrows would scroll the page
    if (down) this.held.add(e.code);
    else this.held.delete(e.code);
  }

  private pointerDown(e: PointerEvent) {
    if (e.button !== 0) return;
    e.preventDefault();
    this.arena.focus({ preventScroll: true });
    this.dragging = e.pointerId;
    this.arena.setPointerCapture?.(e.pointerId);
    this.target = this.toArena(e);
  }

  private toArena(e: PointerEvent): Pos {
    const r = this.arena.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * ARENA_SIZE, y: ((e.clientY - r.top) / r.height) * ARENA_SIZE };
  }
}

function isTyping(t: EventTarget | null): boolean {
  return (
    t instanceof HTMLInputElement ||
    t instanceof HTMLTextAreaElement ||
    t instanceof HTMLSelectElement ||
    (t instanceof HTMLElement && t.isContentEditable)
  );
}
