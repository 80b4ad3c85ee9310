import { readFileSync } from "node:fs";
import { cpuSeconds } from "./cpu.js";
import { clockTicks } from "./proc-stat.js";

// Where the machine's CPU went: the three measured processes from /proc/<pid>/stat, everything
// else from /proc/stat. On a shared two-core machine another build or test run takes the cores
// the measured processes need, so each phase says how much went elsewhere, and can wait (bounded)
// for the rest of the machine to go quiet before it starts.

export interface CpuSeconds {
  manager?: number;
  redis?: number;
  /** This process: the allocation client and the simulated fleet. */
  client?: number;
  /** Every other process on the machine. */
  others?: number;
  /** Taken by the hypervisor. */
  steal?: number;
}

export interface QuietWait {
  waitedMs: number;
  /** Cores other processes used in the last window before the phase started. */
  othersCores?: number;
  quiet: boolean;
}

interface Sample {
  manager?: number;
  redis?: number;
  client?: number;
  busy?: number;
  steal?: number;
}

/** The window over which the rest of the machine must stay under the limit. */
const QUIET_WINDOW_MS = 1000;

/** Resolves after ms, or at once when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** CPU seconds spent running something, all cores together, and stolen; undefined off Linux. */
function hostCpu(): { busy: number; steal: number } | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
    // cpu user nice system idle iowait irq softirq steal ...
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const steal = f[7] ?? 0;
    return { busy: (total - f[3]! - f[4]! - steal) / clockTicks(), steal: steal / clockTicks() };
  } catch {
    return undefined;
  }
}

const diff = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : b - a);

export class CpuWatch {
  constructor(private readonly pids: { manager: number | undefined; redis: number | undefined }) {}

  sample(): Sample {
    const host = hostCpu();
    return { manager: cpuSeconds(this.pids.manager), redis: cpuSeconds(this.pids.redis), client: cpuSeconds(process.pid), busy: host?.busy, steal: host?.steal };
  }

  between(a: Sample, b: Sample): CpuSeconds {
    const d = { manager: diff(a.manager, b.manager), redis: diff(a.redis, b.redis), client: diff(a.client, b.client) };
    const busy = diff(a.busy, b.busy);
    const ours = d.manager !== undefined && d.redis !== undefined && d.client !== undefined ? d.manager + d.redis + d.client : undefined;
    return { ...d, others: busy === undefined || ours === undefined ? undefined : Math.max(0, busy - ours), steal: diff(a.steal, b.steal) };
  }

  /** Waits until other processes use at most maxCores over one window, or maxWaitMs has passed. */
  async quiet(maxCores: number, maxWaitMs: number, signal: AbortSignal): Promise<QuietWait> {
    const t0 = performance.now();
    for (;;) {
      const a = this.sample();
      await sleep(QUIET_WINDOW_MS, signal);
      const others = this.between(a, this.sample()).others;
      const cores = others === undefined ? undefined : others / (QUIET_WINDOW_MS / 1000);
      const waitedMs = performance.now() - t0 - QUIET_WINDOW_MS;
      if (cores === undefined || cores <= maxCores) return { waitedMs, othersCores: cores, quiet: true };
      if (waitedMs >= maxWaitMs || signal.aborted) return { waitedMs, othersCores: cores, quiet: false };
    }
  }
}
