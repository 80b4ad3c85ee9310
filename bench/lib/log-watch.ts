import { createInterface } from "node:readline";
import type { Proc } from "../../testkit/cluster.js";

// Counts warn and error log lines per component and phase: a component that complains under
// load is a finding even when every client call succeeded.

export interface LogFindings {
  /** phase -> component -> count of warn/error lines */
  counts: Record<string, Record<string, number>>;
  samples: string[];
}

const MAX_SAMPLES = 10;

export class LogWatch {
  private phase = "start-up";
  readonly findings: LogFindings = { counts: {}, samples: [] };

  watch(proc: Proc) {
    // A second reader of the same pipe: testkit's own reader keeps working as before.
    const rl = createInterface({ input: proc.child.stderr! });
    rl.on("line", (raw) => {
      let level = "raw";
      let msg = raw;
      try {
        const l = JSON.parse(raw) as { level?: string; msg?: string };
        level = l.level ?? "raw";
        msg = l.msg ?? raw;
      } catch {
        // Not JSON: a crash trace or a native library talking; worth reporting as is.
      }
      if (level !== "warn" && level !== "error" && level !== "raw") return;
      const byProc = (this.findings.counts[this.phase] ??= {});
      byProc[proc.name] = (byProc[proc.name] ?? 0) + 1;
      if (this.findings.samples.length < MAX_SAMPLES)
        this.findings.samples.push(`[${this.phase}] ${proc.name} ${level}: ${msg.slice(0, 300)}`);
    });
  }

  enter(phase: string) {
    this.phase = phase;
  }
}
