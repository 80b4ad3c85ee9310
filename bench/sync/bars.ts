import { esc, svgEnd, svgPage } from "../lib/svg.js";

// The sync benchmarks' chart: one panel of horizontal bars per figure, one bar per mode, green
// when it meets the target (the dashed line) and red when it does not.

/** Issue 13's targets. */
export const SYNC_TARGETS = { cpuUsPerPlayerTick: 5, bytesPerPatch: 63, tickToClientP50Ms: 5 };

export interface Panel<R> {
  title: string;
  value: (r: R) => number;
  target: number;
}

export function barChart<R>(
  title: string,
  subtitle: string,
  rows: readonly R[],
  label: (r: R) => string,
  panels: readonly Panel<R>[],
): string {
  const width = 760;
  const rowH = 26;
  const height = 70 + panels.length * (rows.length * rowH + 50);
  const out = svgPage(width, height, 20, title, subtitle);
  let y = 70;
  for (const p of panels) {
    out.push(`<text x="20" y="${y}" font-weight="bold">${esc(p.title)} (target ≤ ${p.target})</text>`);
    y += 12;
    const values = rows.map((r) => (Number.isFinite(p.value(r)) ? p.value(r) : 0));
    const max = Math.max(p.target, ...values) * 1.1;
    const x0 = 200;
    const scale = (width - x0 - 80) / max;
    for (const [i, r] of rows.entries()) {
      const v = values[i]!;
      const w = Math.max(1, v * scale);
      out.push(`<text x="${x0 - 8}" y="${y + 15}" text-anchor="end">${esc(label(r))}</text>`);
      out.push(`<rect x="${x0}" y="${y + 3}" width="${w}" height="16" fill="${v <= p.target ? "#4a8" : "#c66"}"/>`);
      out.push(`<text x="${x0 + w + 6}" y="${y + 15}">${v.toFixed(2)}</text>`);
      y += rowH;
    }
    const tx = x0 + p.target * scale;
    out.push(
      `<line x1="${tx}" x2="${tx}" y1="${y - rows.length * rowH}" y2="${y}" stroke="#333" stroke-dasharray="4 3"/>`,
    );
    y += 38;
  }
  return svgEnd(out);
}
