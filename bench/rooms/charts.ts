import { latencyChart, type Series } from "../lib/latency-chart.js";
import { esc, svgEnd, svgPage } from "../lib/svg.js";
import { FIGURES, type Comparison } from "./figures.js";
import { compareTargets } from "./rounds.js";
import type { RunRecord, TargetRecord } from "./record.js";

// The run's two charts: every latency distribution (the baseline's dashed beside the new build's
// solid line in the same colour), and issue 14's figures as distance to their targets.

const COLORS = {
  redis: "#7f7f7f",
  create: "#1f77b4",
  cleanup: "#2ca02c",
  cleanupNotified: "#17becf",
  createJoin: "#d62728",
  joins: "#9467bd",
  fanout: "#ff7f0e",
};

function latencySeries(t: TargetRecord, dashed: boolean): Series[] {
  const p = t.phases;
  const n = (k: "createJoin" | "joins") => p[k]?.concurrency ?? "N";
  const tag = dashed ? ` (${t.label})` : "";
  return [
    { label: `Redis SET+GET, 1 client${tag}`, color: COLORS.redis, samples: p.redisSequential?.latenciesMs ?? [] },
    { label: `CreateRoom, 1 client${tag}`, color: COLORS.create, samples: p.createSequential?.latenciesMs ?? [] },
    { label: `last leave to key gone${tag}`, color: COLORS.cleanup, samples: p.cleanup?.latenciesMs ?? [] },
    {
      label: `the same, keyspace event${tag}`,
      color: COLORS.cleanupNotified,
      samples: p.cleanupNotified?.latenciesMs ?? [],
    },
    {
      label: `create+join, ${n("createJoin")} clients${tag}`,
      color: COLORS.createJoin,
      samples: p.createJoin?.latenciesMs ?? [],
    },
    { label: `join, ${n("joins")} clients${tag}`, color: COLORS.joins, samples: p.joins?.latenciesMs ?? [] },
    { label: `fan-out send to receive${tag}`, color: COLORS.fanout, samples: t.fanout?.latenciesMs ?? [] },
  ].map((s) => ({ ...s, dashed }));
}

/**
 * How far a figure is from its target, as a factor: 1 is exactly on it, below 1 meets it with
 * room to spare, above 1 misses it by that factor. Undefined when it cannot be told.
 */
export function targetDistance(c: Comparison): number | undefined {
  const t = FIGURES.find((f) => f.key === c.key)?.target;
  if (!t) return undefined;
  const v = t.kind === "ratio" ? c.ratio : c.new;
  if (v === undefined || !Number.isFinite(v)) return undefined;
  if (t.max !== undefined) return t.max === 0 ? undefined : v / t.max;
  if (t.min !== undefined) return v === 0 ? Number.POSITIVE_INFINITY : t.min / v;
  return undefined;
}

const W = 900;
const ROW = 30;
const LEFT = 330;
const PW = 420;
/** The x axis: factors from 1/10 to 10 on a log scale. */
const LO = -1;
const HI = 1;

function targetsChart(r: RunRecord, rows: Comparison[]): string {
  const shown = rows.filter((c) => FIGURES.find((f) => f.key === c.key)?.target);
  const top = 70;
  const h = top + shown.length * ROW + 60;
  const out = svgPage(
    W,
    h,
    20,
    "issue 14: each figure against its target",
    `${r.startedAt}  |  bars left of the line meet the target; ratios are new / baseline` +
      (r.options.rounds > 1 ? `, each the median of ${r.options.rounds} rounds` : ""),
  );
  const px = (f: number) => LEFT + ((Math.min(HI, Math.max(LO, Math.log10(f))) - LO) / (HI - LO)) * PW;
  for (const [f, label] of [
    [0.1, "10x better"],
    [1, "target"],
    [10, "10x off"],
  ] as const) {
    out.push(
      `<line x1="${px(f)}" x2="${px(f)}" y1="${top - 10}" y2="${h - 50}" stroke="${f === 1 ? "#000" : "#ccc"}"/>`,
    );
    out.push(`<text x="${px(f)}" y="${h - 32}" text-anchor="middle">${label}</text>`);
  }
  shown.forEach((c, i) => {
    const y = top + i * ROW;
    out.push(`<text x="${LEFT - 10}" y="${y + 14}" text-anchor="end">${esc(`${c.label.trim()} (${c.target})`)}</text>`);
    const d = targetDistance(c);
    if (d === undefined) {
      out.push(`<text x="${px(1) + 6}" y="${y + 14}" fill="#888">n/a</text>`);
      return;
    }
    const x1 = px(Math.min(1, d));
    const x2 = px(Math.max(1, d));
    const color = d <= 1 + 1e-9 ? "#2ca02c" : "#d62728";
    out.push(`<rect x="${x1}" y="${y + 2}" width="${Math.max(1, x2 - x1)}" height="${ROW - 10}" fill="${color}"/>`);
    const shownValue =
      c.ratio !== undefined && FIGURES.find((f) => f.key === c.key)?.target?.kind === "ratio"
        ? `${c.ratio.toFixed(2)}x`
        : `${c.new?.toFixed(c.unit === "%" ? 2 : 1)} ${c.unit}`;
    out.push(`<text x="${LEFT + PW + 10}" y="${y + 14}">${esc(shownValue)}</text>`);
  });
  return svgEnd(out);
}

export function charts(r: RunRecord): { latency?: string; targets?: string } {
  // The first round's distributions: more rounds would draw each line again, nearly on top.
  const first = r.targets.filter((t) => t.round === 1);
  const series = first.flatMap((t) => latencySeries(t, t.label !== "new"));
  const m = r.machine as { cpus?: number; cpuModel?: string };
  const latency = series.some((s) => s.samples.length > 0)
    ? latencyChart(
        "roomgate latency distributions",
        `${r.startedAt}  |  ${m.cpus} CPUs, ${m.cpuModel}  |  ${first.map((t) => `${t.label} ${t.commit ?? ""}`).join(" vs ")}${r.options.rounds > 1 ? " (round 1)" : ""}`,
        series,
      )
    : undefined;
  const rows = compareTargets(r);
  return { latency, targets: rows ? targetsChart(r, rows) : undefined };
}
