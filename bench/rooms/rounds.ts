import type { Checkout } from "../lib/checkout.js";
import { type Comparison, compare, type Figures, figures } from "./figures.js";
import type { RunRecord, TargetRecord } from "./record.js";

// Rounds: the same phases against each checkout several times in one run. A shared VM's speed
// drifts over minutes (one run's load generator, the same code on both sides, spent 1.47 times as
// much CPU per room in its second half), and a run that always measured the baseline first would
// lay that drift on one side. With a baseline the order alternates round by round (baseline, new,
// new, baseline, ...), so a steady drift weighs on both alike; each figure is the median of a
// checkout's rounds (for two, their mean).

export function runOrder(
  fresh: Checkout,
  base: Checkout | undefined,
  rounds: number,
): { checkout: Checkout; round: number }[] {
  const out: { checkout: Checkout; round: number }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const pair = !base ? [fresh] : round % 2 === 1 ? [base, fresh] : [fresh, base];
    for (const checkout of pair) out.push({ checkout, round });
  }
  return out;
}

/** "new", or "new, round 2" when the run has more than one. */
export function targetName(label: string, round: number, rounds: number): string {
  return rounds > 1 ? `${label}, round ${round}` : label;
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
}

/** Each figure of a checkout: the median over its rounds of those that measured it. */
export function roundFigures(records: TargetRecord[]): Figures | undefined {
  if (records.length === 0) return undefined;
  const each = records.map(figures);
  const out: Figures = {};
  for (const key of new Set(each.flatMap((f) => Object.keys(f) as (keyof Figures)[]))) {
    const v = median(each.map((f) => f[key]).filter((x): x is number => x !== undefined && Number.isFinite(x)));
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** The table for this run: "new" against "baseline" when both ran, each over its rounds. */
export function compareTargets(r: RunRecord): Comparison[] | undefined {
  const fresh = roundFigures(r.targets.filter((t) => t.label === "new"));
  if (!fresh) return undefined;
  return compare(fresh, roundFigures(r.targets.filter((t) => t.label === "baseline")));
}
