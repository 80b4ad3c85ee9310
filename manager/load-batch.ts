import type { LoadReport, Liveness } from "../common/store/store.js";

// Load reports, batched: those that arrive within `windowMs` (or `max` of them) go to the store
// in one call, so a fleet's reports cost a Manager one store round trip per window rather than
// one per server per interval. A report's answer (false: its server was declared dead or
// registered again elsewhere) comes back to the stream that sent it. Nothing waits on a report
// but its own answer: a server's other events are never held behind the window.

export interface LoadBatchOptions {
  store: Pick<Liveness, "recordLoads">;
  /** How long the first report of a batch waits for others; 0 sends each report alone. */
  windowMs: number;
  /** Reports in one store call at most. */
  max: number;
}

interface Waiting {
  report: LoadReport;
  resolve(ok: boolean): void;
  reject(e: unknown): void;
}

export class LoadBatch {
  private waiting: Waiting[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: LoadBatchOptions) {}

  record(report: LoadReport): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ report, resolve, reject });
      if (this.o.windowMs <= 0 || this.waiting.length >= this.o.max) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.o.windowMs);
    });
  }

  /** Sends what waits now: the window ended, or the batch is full. */
  private flush() {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    this.o.store.recordLoads(batch.map((w) => w.report)).then(
      (answers) => {
        for (const [i, w] of batch.entries()) w.resolve(answers[i] === true);
      },
      (e) => {
        for (const w of batch) w.reject(e);
      },
    );
  }
}
