import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LogFindings } from "./log-watch.js";
import type { PhaseResult } from "./phase.js";
import { RESULTS_DIR } from "./run-control.js";
import { roundMs, summarize } from "./stats.js";

// What both benchmarks write and print the same way: a phase in the JSON results, the result
// files, and the closing parts of the printed summary (errors, log lines, problems, file names).

export interface ResultFiles {
  json?: string;
  svg?: string;
  /** A chart of figures against their targets, where a benchmark has targets. */
  targetsSvg?: string;
}

/** The run's start time as a file-name stamp. */
export const resultStamp = (startedAt: string) => startedAt.replace(/:/g, "-");

/** Writes one file under bench/results/ and returns its path. */
export function writeResult(name: string, content: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, name);
  writeFileSync(path, content);
  return path;
}

/**
 * A phase with its latency summary instead of raw samples; the samples (in completion order, for
 * re-analysis) only where they are the point.
 */
export function phaseJson(p: PhaseResult, keepSamples: boolean) {
  const { latenciesMs, ...rest } = p;
  const s = summarize(latenciesMs);
  return {
    ...rest,
    elapsedMs: roundMs(p.elapsedMs),
    rate: Math.round(p.rate * 100) / 100,
    latencyMs: s && Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === "n" ? v : roundMs(v)])),
    samplesMs: keepSamples ? latenciesMs.map(roundMs) : undefined,
  };
}

/** A phase's errors by kind with samples, and whether it stopped early. */
export function phaseErrorLines(label: string, p: PhaseResult): string[] {
  const out: string[] = [];
  for (const [kind, n] of Object.entries(p.errorKinds)) out.push(`  ${label}: ${kind} x${n}`);
  for (const s of p.errorSamples) out.push(`    e.g. ${s}`);
  if (p.timedOut || p.aborted || p.abandoned) {
    out.push(
      `  ${label}: stopped early (${p.started}/${p.total} started, ${p.aborted} aborted, ${p.abandoned} abandoned)`,
    );
  }
  return out;
}

/** The components' warn/error log lines under a heading; nothing when there were none. */
export function logLines(logs: LogFindings | undefined, heading: string): string[] {
  if (!logs) return [];
  const lines = Object.entries(logs.counts).flatMap(([phase, byProc]) =>
    Object.entries(byProc).map(([proc, n]) => `  ${phase}: ${proc} ${n} line(s)`),
  );
  return lines.length > 0 ? ["", heading, ...lines, ...logs.samples.map((s) => `    ${s}`)] : [];
}

export function problemLines(problems: string[], error: string | undefined): string[] {
  const out: string[] = [];
  if (problems.length > 0) out.push("", "problems:", ...problems.map((p) => `  ${p}`));
  if (error) out.push("", `FAILED: ${error}`);
  return out;
}

export function fileLines(files: ResultFiles): string[] {
  const out: string[] = [];
  if (files.json) out.push(`results: ${files.json}`);
  if (files.svg) out.push(`chart:   ${files.svg}`);
  if (files.targetsSvg) out.push(`targets: ${files.targetsSvg}`);
  return out;
}
