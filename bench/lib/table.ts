// Plain-text tables for the summary: right-aligned numbers, left-aligned first column, nothing
// that needs a wide or colour terminal.

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [fmt(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(fmt)].join("\n");
}

/** Milliseconds with about three significant digits; "n/a" for a missing figure. */
export function ms(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return "n/a";
  if (v < 1) return v.toFixed(3);
  if (v < 10) return v.toFixed(2);
  if (v < 100) return v.toFixed(1);
  return v.toFixed(0);
}

export function num(v: number | undefined, digits = 0): string {
  if (v === undefined || !Number.isFinite(v)) return "n/a";
  return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function times(v: number): string {
  if (!Number.isFinite(v)) return "n/a";
  return v >= 10 ? `${v.toFixed(0)}x` : `${v.toFixed(2)}x`;
}
