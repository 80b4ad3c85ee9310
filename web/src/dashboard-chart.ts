// Players and rooms over the last five minutes, drawn as SVG by hand: two lines on one scale,
// a light grid, and labels sized in real pixels (the SVG is redrawn at the element's width
// rather than stretched, so text stays crisp).

export const WINDOW_MS = 5 * 60_000;
const HEIGHT = 160;
const PAD = { top: 12, right: 14, bottom: 24, left: 36 };
const SVG_NS = "http://www.w3.org/2000/svg";

interface Sample {
  t: number;
  players: number;
  rooms: number;
}

export class ClusterChart {
  private samples: Sample[] = [];
  private now = 0;
  private readonly resize = new ResizeObserver(() => this.render());

  constructor(private readonly root: HTMLElement) {
    this.resize.observe(root);
  }

  /** One snapshot, stamped with the Gateway's clock so a skewed browser clock changes nothing. */
  add(t: number, players: number, rooms: number) {
    this.now = Math.max(this.now, t);
    this.samples.push({ t, players, rooms });
    const from = this.now - WINDOW_MS;
    // Keep one sample from before the window, so the lines start at its left edge.
    const firstInside = this.samples.findIndex((s) => s.t >= from);
    if (firstInside > 1) this.samples.splice(0, firstInside - 1);
    this.render();
  }

  /** The stream is gone: no more points until it is back, and the break shows as a gap. */
  gap() {
    const last = this.samples.at(-1);
    if (last && !Number.isNaN(last.players)) this.samples.push({ t: last.t, players: NaN, rooms: NaN });
  }

  get latest(): Sample | undefined {
    return this.samples.filter((s) => !Number.isNaN(s.players)).at(-1);
  }

  render() {
    const width = Math.max(240, Math.floor(this.root.clientWidth));
    const w = width - PAD.left - PAD.right;
    const hgt = HEIGHT - PAD.top - PAD.bottom;
    const from = this.now - WINDOW_MS;
    const max = niceMax(
      Math.max(
        4,
        ...this.samples
          .filter((s) => s.t >= from - 60_000)
          .flatMap((s) => (Number.isNaN(s.players) ? [] : [s.players, s.rooms])),
      ),
    );
    const x = (t: number) => PAD.left + Math.max(0, Math.min(1, (t - from) / WINDOW_MS)) * w;
    const y = (v: number) => PAD.top + hgt - (v / max) * hgt;

    const svg = el("svg", {
      width,
      height: HEIGHT,
      viewBox: `0 0 ${width} ${HEIGHT}`,
      role: "img",
      "aria-label": "players and rooms over the last five minutes",
    });
    for (let i = 0; i <= 4; i++) {
      const v = (max / 4) * i;
      svg.append(el("line", { x1: PAD.left, x2: PAD.left + w, y1: y(v), y2: y(v), class: i === 0 ? "axis" : "grid" }));
      svg.append(text(PAD.left - 8, y(v) + 4, String(Math.round(v)), "tick end"));
    }
    // Every minute when there is room for it, every other minute on a phone.
    const every = w / 5 < 56 ? 2 : 1;
    for (let m = 5; m >= 0; m--) {
      if ((5 - m) % every !== 0 && m !== 0) continue;
      const tx = x(this.now - m * 60_000);
      svg.append(
        text(
          tx,
          HEIGHT - 6,
          m === 0 ? "now" : `−${m} min`,
          m === 5 ? "tick start" : m === 0 ? "tick end" : "tick middle",
        ),
      );
    }
    if (this.samples.length > 0) {
      svg.append(el("path", { d: area(this.samples, x, y, (s) => s.players, PAD.top + hgt), class: "area players" }));
      svg.append(
        el("path", {
          d: line(this.samples, x, y, (s) => s.players),
          class: "line players",
          "data-testid": "chart-players",
        }),
      );
      svg.append(
        el("path", { d: line(this.samples, x, y, (s) => s.rooms), class: "line rooms", "data-testid": "chart-rooms" }),
      );
      const last = this.latest;
      if (last) {
        svg.append(el("circle", { cx: x(last.t), cy: y(last.players), r: 3.5, class: "last-point players" }));
        svg.append(el("circle", { cx: x(last.t), cy: y(last.rooms), r: 3.5, class: "last-point rooms" }));
      }
    }
    this.root.replaceChildren(svg);
  }
}

type Pick = (s: Sample) => number;

/** A polyline that breaks at gaps (NaN samples). */
function line(samples: Sample[], x: (t: number) => number, y: (v: number) => number, pick: Pick): string {
  let d = "";
  let pen = false;
  for (const s of samples) {
    const v = pick(s);
    if (Number.isNaN(v)) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${x(s.t).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}

function area(samples: Sample[], x: (t: number) => number, y: (v: number) => number, pick: Pick, base: number): string {
  let d = "";
  let run: Sample[] = [];
  const flush = () => {
    if (run.length > 1)
      d +=
        `M${x(run[0]!.t).toFixed(1)},${base}` +
        run.map((s) => `L${x(s.t).toFixed(1)},${y(pick(s)).toFixed(1)}`).join("") +
        `L${x(run.at(-1)!.t).toFixed(1)},${base}Z`;
    run = [];
  };
  for (const s of samples) {
    if (Number.isNaN(pick(s))) flush();
    else run.push(s);
  }
  flush();
  return d;
}

/** A top for the scale at or above v whose quarters are whole, round numbers (4, 8, 20, 40, 200…). */
export function niceMax(v: number): number {
  const quarter = Math.max(1, v / 4);
  const p = 10 ** Math.floor(Math.log10(quarter));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= quarter)!;
  return step * 4;
}

function el(tag: string, attrs: Record<string, string | number>): SVGElement {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function text(x: number, y: number, content: string, cls: string): SVGElement {
  const t = el("text", { x, y, class: cls });
  t.textContent = content;
  return t;
}
