// What both hand-written SVG charts share: escaping, the page with its title, and the decade grid
// of a log-scale latency axis.

export const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The opening lines: white page, bold title and grey subtitle at x. */
export function svgPage(width: number, height: number, x: number, title: string, subtitle: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${x}" y="24" font-size="16" font-weight="bold">${esc(title)}</text>`,
    `<text x="${x}" y="44" fill="#555">${esc(subtitle)}</text>`,
  ];
}

export function svgEnd(out: string[]): string {
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/** The decades (powers of ten) from below the lowest positive low to above the highest high; at least one. */
export function decades(lows: number[], highs: number[], emptyLo: number, emptyHi: number): { lo: number; hi: number } {
  const positive = lows.filter((v) => v > 0);
  const lo = Math.floor(Math.log10(positive.length ? Math.min(...positive) : emptyLo));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(highs.length ? Math.max(...highs) : emptyHi)));
  return { lo, hi };
}

/** Horizontal lines at each decade (labelled) and at 2x and 5x within it, across [x1, x2]. */
export function decadeGrid(
  out: string[],
  x1: number,
  x2: number,
  d: { lo: number; hi: number },
  py: (v: number) => number,
  label: (v: number) => string,
  labelDx: number,
) {
  for (let e = d.lo; e <= d.hi; e++) {
    const v = 10 ** e;
    out.push(`<line x1="${x1}" x2="${x2}" y1="${py(v)}" y2="${py(v)}" stroke="#ccc"/>`);
    out.push(
      `<text x="${x1 - labelDx}" y="${py(v) + 4}" text-anchor="end">${esc(label(Number(v.toPrecision(1))))}</text>`,
    );
    if (e < d.hi)
      for (const m of [2, 5])
        out.push(`<line x1="${x1}" x2="${x2}" y1="${py(m * v)}" y2="${py(m * v)}" stroke="#eee"/>`);
  }
}
