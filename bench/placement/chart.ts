import { decadeGrid, decades, esc, svgEnd, svgPage } from "../lib/svg.js";

// Placement cost against fleet size, as one hand-written SVG: on the left sequential AllocateRoom
// p50 and p99 (log scale, since p99 and p50 can be a decade apart), on the right throughput. One
// colour per room count, so "does it grow with rooms" is the gap between two colours and "does it
// grow with servers" the slope of one line.

export interface ChartSeries {
  label: string;
  color: string;
  /** One entry per fleet size; undefined where the figure is missing. */
  p50: (number | undefined)[];
  p99: (number | undefined)[];
  rate: (number | undefined)[];
}

const W = 1000;
const H = 470;
const TOP = 70;
const BOTTOM = 70;
const PH = H - TOP - BOTTOM;
const PANEL_W = 330;
const LEFT_X = 80;
const RIGHT_X = LEFT_X + PANEL_W + 110;

const fmt = (v: number) =>
  v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2);

export function placementChart(title: string, subtitle: string, servers: number[], series: ChartSeries[]): string {
  const out = svgPage(W, H, LEFT_X, title, subtitle);

  // x: fleet sizes on a log scale (evenly spaced when they are 10, 100, 1000), padded at the ends.
  const logs = servers.map((n) => Math.log10(n));
  const xLo = Math.min(...logs) - 0.25;
  const xHi = Math.max(...logs) + 0.25;
  const px = (x0: number, n: number) => x0 + ((Math.log10(n) - xLo) / (xHi - xLo || 1)) * PANEL_W;

  const lat = series.flatMap((s) => [...s.p50, ...s.p99]).filter((v): v is number => v !== undefined && v > 0);
  const y = decades(lat, lat, 0.1, 1);
  const pyLat = (v: number) => TOP + PH - ((Math.log10(v) - y.lo) / (y.hi - y.lo)) * PH;
  const rates = series.flatMap((s) => s.rate).filter((v): v is number => v !== undefined);
  const rateTop = niceCeil(rates.length ? Math.max(...rates) * 1.1 : 1);
  const pyRate = (v: number) => TOP + PH - (v / rateTop) * PH;

  const frame = (x0: number, label: string, yLabel: string) => {
    for (const n of servers) {
      out.push(`<line x1="${px(x0, n)}" x2="${px(x0, n)}" y1="${TOP}" y2="${TOP + PH}" stroke="#ddd"/>`);
      out.push(`<text x="${px(x0, n)}" y="${TOP + PH + 18}" text-anchor="middle">${n.toLocaleString("en-US")}</text>`);
    }
    out.push(`<rect x="${x0}" y="${TOP}" width="${PANEL_W}" height="${PH}" fill="none" stroke="#888"/>`);
    out.push(
      `<text x="${x0 + PANEL_W / 2}" y="${TOP + PH + 40}" text-anchor="middle">registered game servers (log scale)</text>`,
    );
    out.push(`<text x="${x0}" y="${TOP - 10}" font-weight="bold">${esc(label)}</text>`);
    out.push(
      `<text transform="translate(${x0 - 55} ${TOP + PH / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    );
  };

  frame(LEFT_X, "AllocateRoom latency, 1 call at a time", "latency, ms (log scale)");
  decadeGrid(out, LEFT_X, LEFT_X + PANEL_W, y, pyLat, String, 6);
  frame(RIGHT_X, "AllocateRoom throughput, concurrent calls", "allocations per second");
  for (let i = 0; i <= 4; i++) {
    const v = (rateTop * i) / 4;
    out.push(`<line x1="${RIGHT_X}" x2="${RIGHT_X + PANEL_W}" y1="${pyRate(v)}" y2="${pyRate(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${RIGHT_X - 6}" y="${pyRate(v) + 4}" text-anchor="end">${v.toLocaleString("en-US")}</text>`);
  }

  // Series sit close together when nothing grows: the first labels its points above, the next below.
  const line = (
    x0: number,
    values: (number | undefined)[],
    py: (v: number) => number,
    color: string,
    dashed: boolean,
    below: boolean,
  ) => {
    const pts = servers
      .map((n, i) => [n, values[i]] as const)
      .filter((p): p is readonly [number, number] => p[1] !== undefined && p[1] > 0);
    const dash = dashed ? ` stroke-dasharray="6 4"` : "";
    if (pts.length > 1)
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.map(([n, v]) => `${px(x0, n).toFixed(1)},${py(v).toFixed(1)}`).join(" ")}"/>`,
      );
    for (const [n, v] of pts) {
      out.push(`<circle cx="${px(x0, n).toFixed(1)}" cy="${py(v).toFixed(1)}" r="3.5" fill="${color}"/>`);
      out.push(
        `<text x="${(px(x0, n) + 6).toFixed(1)}" y="${(py(v) + (below ? 15 : -6)).toFixed(1)}" fill="${color}" font-size="11">${fmt(v)}</text>`,
      );
    }
  };
  series.forEach((s, idx) => {
    const below = idx % 2 === 1;
    line(LEFT_X, s.p50, pyLat, s.color, false, below);
    line(LEFT_X, s.p99, pyLat, s.color, true, below);
    line(RIGHT_X, s.rate, pyRate, s.color, false, below);
    const lx = RIGHT_X + PANEL_W + 20;
    const ly = TOP + 10 + idx * 60;
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="3"/>`);
    out.push(`<text x="${lx + 30}" y="${ly + 4}">${esc(s.label)}</text>`);
    out.push(`<text x="${lx + 30}" y="${ly + 20}" fill="#555">solid: p50, rate</text>`);
    out.push(`<text x="${lx + 30}" y="${ly + 36}" fill="#555">dashed: p99</text>`);
  });
  return svgEnd(out);
}

/** The smallest round number (a few steps per power of ten) at least v. */
function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const k of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (k * p >= v) return k * p;
  return 10 * p;
}
