import { Distribution, summarize } from "./stats.js";
import { decadeGrid, decades, esc, svgEnd, svgPage } from "./svg.js";

// The latency distributions as one hand-written SVG. The x axis is percentile on a "nines" scale
// (0, 90, 99, 99.9 ...) and the y axis latency on a log scale: a plain CDF squeezes the tail,
// which is where load shows, into the last pixel, and Redis and the room flow are decades apart.

export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  samples: readonly number[];
}

const W = 900;
const H = 540;
const M = { left: 80, right: 250, top: 60, bottom: 60 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;
const STEPS = 400;
/** The curve's points: ns units and three significant digits, well under a pixel and quick for 400 quantiles. */
const CURVE_SCALE = 1e6;

/** x position of quantile q: each further nine gets the same width. */
const nines = (q: number) => -Math.log10(1 - q);

function msLabel(ms: number): string {
  if (ms >= 1000) return `${ms / 1000} s`;
  if (ms >= 1) return `${ms} ms`;
  return `${Number((ms * 1000).toPrecision(3))} µs`;
}

export function latencyChart(title: string, subtitle: string, series: Series[]): string {
  const data = series
    .filter((s) => s.samples.length > 0)
    .map((s) => ({ ...s, summary: summarize(s.samples)!, curve: new Distribution(s.samples, CURVE_SCALE, 3) }));
  // The last rank a series can show is 1 - 1/n; the axis reaches the largest such nine.
  const xMax = Math.max(1, Math.ceil(Math.max(0, ...data.map((d) => Math.log10(d.summary.n)))));
  const y = decades(
    data.map((d) => d.summary.min),
    data.map((d) => d.summary.max),
    0.01,
    1,
  );
  const px = (x: number) => M.left + (Math.min(x, xMax) / xMax) * PW;
  const py = (ms: number) => M.top + PH - ((Math.log10(Math.max(ms, 10 ** y.lo)) - y.lo) / (y.hi - y.lo)) * PH;

  // The legend takes 54 px a series: the page grows below the plot when there are many.
  const out = svgPage(W, Math.max(H, M.top + 10 + data.length * 54), M.left, title, subtitle);
  // Grid: decades (labelled) and 2x/5x within them on y; each nine, plus the median, on x.
  decadeGrid(out, M.left, M.left + PW, y, py, msLabel, 8);
  const xTicks: [number, string][] = [
    [0, "0%"],
    [nines(0.5), "50%"],
  ];
  for (let k = 1; k <= xMax; k++) xTicks.push([k, `${(100 - 100 / 10 ** k).toFixed(Math.max(0, k - 2))}%`]);
  for (const [x, label] of xTicks) {
    out.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${M.top}" y2="${M.top + PH}" stroke="#ccc"/>`);
    out.push(`<text x="${px(x)}" y="${M.top + PH + 18}" text-anchor="middle">${label}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${PW}" height="${PH}" fill="none" stroke="#888"/>`);
  out.push(
    `<text x="${M.left + PW / 2}" y="${H - 16}" text-anchor="middle">percentile (each step right is one more nine)</text>`,
  );
  out.push(
    `<text transform="translate(20 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle">latency (log scale)</text>`,
  );

  data.forEach((d, idx) => {
    const s = d.summary;
    const xEnd = Math.log10(s.n);
    const pts: string[] = [];
    for (let i = 0; i <= STEPS; i++) {
      const x = (i / STEPS) * xEnd;
      pts.push(`${px(x).toFixed(1)},${py(d.curve.quantile(1 - 10 ** -x)).toFixed(1)}`);
    }
    // The slowest sample closes the line at the series' own last rank.
    pts.push(`${px(xEnd).toFixed(1)},${py(s.max).toFixed(1)}`);
    const dash = d.dashed ? ` stroke-dasharray="6 4"` : "";
    out.push(`<polyline fill="none" stroke="${d.color}" stroke-width="2"${dash} points="${pts.join(" ")}"/>`);

    const ly = M.top + 10 + idx * 54;
    const lx = M.left + PW + 16;
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${d.color}" stroke-width="3"${dash}/>`);
    out.push(`<text x="${lx + 30}" y="${ly + 4}">${esc(d.label)}</text>`);
    out.push(
      `<text x="${lx + 30}" y="${ly + 20}" fill="#555">p50 ${s.p50.toFixed(3)} ms, p99 ${s.p99.toFixed(3)} ms</text>`,
    );
    out.push(`<text x="${lx + 30}" y="${ly + 36}" fill="#555">max ${s.max.toFixed(3)} ms, n=${s.n}</text>`);
  });
  return svgEnd(out);
}
