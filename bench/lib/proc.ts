import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

// Every /proc reader of the benchmarks (see proc(5)): a process's state, parent and CPU ticks, the
// machine's CPU time, our living children. Linux only; every reader answers undefined (or
// nothing) elsewhere or for a process that is gone, and callers report that as "n/a".

export interface ProcStat {
  state: string;
  ppid: number;
  /** utime + stime of all threads, in clock ticks. */
  cpuTicks: number;
  /** stime alone: the part spent in the kernel (on loopback, sending includes the receive path). */
  sysTicks: number;
}

export function readStat(pid: number): ProcStat | undefined {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name sits in parentheses and may itself hold spaces or ')': split after the last.
  const f = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
  // f[0] is field 3 (state); ppid is field 4, utime and stime are fields 14 and 15.
  return { state: f[0]!, ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]), sysTicks: Number(f[12]) };
}

let ticks: number | undefined;

/** sysconf(_SC_CLK_TCK); Node has no binding for it, and getconf ships with every libc. */
export function clockTicks(): number {
  if (ticks === undefined) {
    try {
      const n = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
      ticks = Number.isInteger(n) && n > 0 ? n : 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

export function commandName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** CPU seconds a process has used (utime + stime of all its threads). */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const s = readStat(pid);
  return s ? s.cpuTicks / clockTicks() : undefined;
}

/** CPU seconds spent running something, all cores together, and stolen; undefined off Linux. */
export function hostCpu(): { busy: number; steal: number } | undefined {
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

/** Our own child processes still alive, by pid (what a half-finished cluster start can leave). */
export function livingChildren(): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = readStat(pid);
    // A zombie has exited already; Node reaps it on its own.
    if (stat && stat.ppid === process.pid && stat.state !== "Z") out.push(pid);
  }
  return out;
}
