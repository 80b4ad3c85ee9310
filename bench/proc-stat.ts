import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

// Reads /proc/<pid>/stat (see proc(5)). Linux only; every reader answers undefined elsewhere or
// for a process that is gone, and callers report that as "n/a".

export interface ProcStat {
  state: string;
  ppid: number;
  /** utime + stime of all threads, in clock ticks. */
  cpuTicks: number;
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
  return { state: f[0]!, ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]) };
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
