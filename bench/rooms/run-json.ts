import { phaseJson } from "../lib/results.js";
import { summarize } from "../lib/stats.js";
import { figures } from "./figures.js";
import { compareTargets } from "./rounds.js";
import { MEASURED, type PhaseKey, type RunRecord, ratios, type TargetRecord, title } from "./record.js";
import type { PhaseResult } from "../lib/phase.js";

// The run's JSON form: each checkout's phases with latency summaries (raw samples only where they
// are the point), its Redis ratios and issue 14's figures, and the two checkouts compared.

function targetJson(r: TargetRecord): unknown {
  const phases: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(r.phases) as [PhaseKey, PhaseResult][])
    phases[k] = { title: title(r, k), ...phaseJson(p, MEASURED.includes(k)) };
  const fanout = r.fanout && {
    ...r.fanout,
    cpu: undefined,
    latenciesMs: undefined,
    latencyMs: summarize(r.fanout.latenciesMs),
  };
  const manager = r.manager && { ...r.manager, fill: r.manager.fill && phaseJson(r.manager.fill, false) };
  return { ...r, phases, fanout, manager, ratios: ratios(r), figures: figures(r) };
}

export function toJson(r: RunRecord): unknown {
  return { ...r, targets: r.targets.map(targetJson), issue14: compareTargets(r) };
}
