import { h, setText } from "./dom.js";
import { playerColor } from "./player-style.js";
import { ARENA_SIZE, type Pos } from "./position-codec.js";

// The dots. Each is a DOM element (not canvas pixels) so it carries its player's name and id for
// people and tests alike; others' dots glide towards the latest position heard, which hides the
// 50 ms gaps between updates.

interface Dot {
  el: HTMLElement;
  label: HTMLElement;
  /** Latest known position (the truth); `shown` chases it. */
  pos: Pos;
  shown: Pos;
  heard: boolean;
}

/** How quickly a remote dot closes the gap to its latest position, per second. */
const GLIDE_RATE = 18;
/** Arena units from a side within which a name label is pulled inwards. */
const EDGE_ZONE = 110;

export class ArenaView {
  private readonly dots = new Map<string, Dot>();
  private readonly marker: HTMLElement;

  constructor(private readonly root: HTMLElement) {
    this.marker = h("div", { class: "target-marker", hidden: true, "aria-hidden": "true" });
    root.append(this.marker);
  }

  has(id: string): boolean {
    return this.dots.has(id);
  }

  /** Adds a player, or renames one we already have. */
  upsert(id: string, name: string, pos: Pos, self = false) {
    const dot = this.dots.get(id);
    if (dot) {
      setText(dot.label, name || "player");
      return;
    }
    const label = h("span", { class: "dot-name" }, name || "player");
    const el = h(
      "div",
      {
        class: self ? "dot self" : "dot",
        "data-testid": "dot",
        "data-player-id": id,
        "data-self": self ? "true" : "false",
        style: `--dot: ${playerColor(id)}`,
      },
      h("span", { class: "dot-body" }),
      label,
    );
    this.root.append(el);
    const d: Dot = { el, label, pos: { ...pos }, shown: { ...pos }, heard: self };
    this.dots.set(id, d);
    this.place(d);
  }

  remove(id: string) {
    this.dots.get(id)?.el.remove();
    this.dots.delete(id);
  }

  clear() {
    for (const id of [...this.dots.keys()]) this.remove(id);
  }

  /** Leaves the arena element empty for the next room. */
  dispose() {
    this.clear();
    this.marker.remove();
  }

  /** Our own dot: shown exactly where it is. */
  moveSelf(id: string, pos: Pos) {
    const d = this.dots.get(id);
    if (!d) return;
    d.pos = { ...pos };
    d.shown = { ...pos };
  }

  /** Someone else's dot: the first report snaps (it may be far from the spawn guess), later ones glide. */
  moveRemote(id: string, pos: Pos) {
    const d = this.dots.get(id);
    if (!d) return;
    d.pos = { ...pos };
    if (!d.heard) d.shown = { ...pos };
    d.heard = true;
  }

  showTarget(target: Pos | undefined) {
    this.marker.hidden = !target;
    if (target) this.marker.style.transform = translate(target);
  }

  /** One animation frame. */
  frame(dtSeconds: number) {
    const k = 1 - Math.exp(-GLIDE_RATE * Math.max(0, dtSeconds));
    for (const d of this.dots.values()) {
      d.shown.x += (d.pos.x - d.shown.x) * k;
      d.shown.y += (d.pos.y - d.shown.y) * k;
      if (Math.abs(d.pos.x - d.shown.x) < 0.5) d.shown.x = d.pos.x;
      if (Math.abs(d.pos.y - d.shown.y) < 0.5) d.shown.y = d.pos.y;
      this.place(d);
    }
  }

  private place(d: Dot) {
    d.el.style.transform = translate(d.shown);
    // Names are wider than dots: near an edge they hang inwards instead of off the board.
    const edge = d.shown.x < EDGE_ZONE ? "left" : d.shown.x > ARENA_SIZE - EDGE_ZONE ? "right" : "";
    const low = d.shown.y > ARENA_SIZE - EDGE_ZONE / 2 ? "true" : "false";
    if ((d.el.dataset.edge ?? "") !== edge) d.el.dataset.edge = edge;
    if (d.el.dataset.low !== low) d.el.dataset.low = low;
    // Exact latest positions for tests and debugging; rounding keeps the attributes quiet.
    const x = String(Math.round(d.pos.x));
    const y = String(Math.round(d.pos.y));
    if (d.el.dataset.x !== x) d.el.dataset.x = x;
    if (d.el.dataset.y !== y) d.el.dataset.y = y;
  }
}

/**
 * Arena units to a CSS translate (each dot is a 0x0 anchor at the top left). The arena is a
 * square size container, so 1cqw is a hundredth of its side in both directions.
 */
function translate(p: Pos): string {
  return `translate(${((p.x / ARENA_SIZE) * 100).toFixed(3)}cqw, ${((p.y / ARENA_SIZE) * 100).toFixed(3)}cqw)`;
}
