import { clockTicks, readStat } from "./proc-stat.js";

// CPU seconds per process over a phase: what each component costs is a figure that survives a
// noisy machine better than wall-clock rates do.

export interface Tracked {
  name: string;
  pid: number | undefined;
}

export interface CpuUse {
  name: string;
  pid: number | undefined;
  /** CPU seconds spent between the two samples; undefined when /proc had no answer. */
  seconds: number | undefined;
}

export type CpuSample = Map<string, number | undefined>;

export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const s = readStat(pid);
  return s ? s.cpuTicks / clockTicks() : undefined;
}

export function sampleCpu(procs: Tracked[]): CpuSample {
  return new Map(procs.map((p) => [p.name, cpuSeconds(p.pid)]));
}

export function cpuBetween(procs: Tracked[], before: CpuSample, after: CpuSample): CpuUse[] {
  return procs.map((p) => {
    const a = before.get(p.name);
    const b = after.get(p.name);
    return { name: p.name, pid: p.pid, seconds: a === undefined || b === undefined ? undefined : b - a };
  });
}
