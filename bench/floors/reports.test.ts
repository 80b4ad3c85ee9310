import { Writable } from "node:stream";
import { Progress } from "../lib/progress.js";
import { runReportFloor } from "./reports.js";

// One tiny floor run of each kind against the built floor server: every report is answered and
// counted, and the CPU figures are there. No time or rate is asserted.

const quiet = new Progress(new Writable({ write: (_c, _e, cb) => cb() }) as unknown as NodeJS.WriteStream, false);

test.each(["grpc-js", "http2"] as const)(
  "the %s floor answers every report and measures its CPU",
  async (kind) => {
    const r = await runReportFloor(
      kind,
      { servers: 20, intervalMs: 50, seconds: 2 },
      quiet,
      new AbortController().signal,
    );
    expect(r.kind).toBe(kind);
    // A report in flight at either edge of the window can fall on either side of the count.
    expect(r.answered).toBeGreaterThan(0.9);
    expect(r.answered).toBeLessThan(1.1);
    expect(r.perSecond).toBeGreaterThan(0);
    expect(Number.isFinite(r.usPerReport) && r.usPerReport > 0).toBe(true);
    expect(r.sysUsPerReport).toBeLessThanOrEqual(r.usPerReport);
  },
  30_000,
);
