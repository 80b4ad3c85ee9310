import { clockTicks, hostCpu, readStat } from "./proc.js";
import { sleep } from "./run-control.js";

// CPU seconds per process over a phase, and what the rest of the machine used meanwhile: what
// each component costs is a figure that survives a noisy machine better than wall-clock rates do,
// and on a shared machine another build takes the cores the measured processes need, so a phase
// can say how much went elsewhere and wait (bounded) for the rest of the machine to go quiet.

export interface Tracked {
  name: string;
  pid: number | undefined;
}

export interface CpuUse {
  name: string;
  pid: number | undefined;
  /** CPU seconds spent between the two samples; undefined when /proc had no answer. */
  seconds: number | undefined;
  /**
   * The part of `seconds` spent in the kernel (stime): system calls, and on loopback the
   * receiver's network path too, which the sender's write runs. Optional: older records lack it.
   */
  kernelSeconds?: number;
}

/** One process's CPU seconds so far, all of it and the kernel's part. */
interface ProcCpu {
  all: number;
  kernel: number;
}

export interface CpuSample {
  procs: Map<string, ProcCpu | undefined>;
  busy?: number;
  steal?: number;
}

export interface CpuBetween {
  procs: CpuUse[];
  /** Every process on the machine but the tracked ones. */
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

/** The window over which the rest of the machine must stay under the limit. */
const QUIET_WINDOW_MS = 1000;

function procCpu(pid: number | undefined): ProcCpu | undefined {
  const s = pid === undefined ? undefined : readStat(pid);
  return s && { all: s.cpuTicks / clockTicks(), kernel: s.sysTicks / clockTicks() };
}

const diff = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : b - a);

export class CpuSampler {
  constructor(readonly procs: Tracked[]) {}

  sample(): CpuSample {
    const host = hostCpu();
    return { procs: new Map(this.procs.map((p) => [p.name, procCpu(p.pid)])), busy: host?.busy, steal: host?.steal };
  }

  between(a: CpuSample, b: CpuSample): CpuBetween {
    const procs = this.procs.map((p) => {
      const [x, y] = [a.procs.get(p.name), b.procs.get(p.name)];
      return { name: p.name, pid: p.pid, seconds: diff(x?.all, y?.all), kernelSeconds: diff(x?.kernel, y?.kernel) };
    });
    const busy = diff(a.busy, b.busy);
    const ours = procs.every((p) => p.seconds !== undefined)
      ? procs.reduce((sum, p) => sum + p.seconds!, 0)
      : undefined;
    return {
      procs,
      others: busy === undefined || ours === undefined ? undefined : Math.max(0, busy - ours),
      steal: diff(a.steal, b.steal),
    };
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
