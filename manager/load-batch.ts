import type { LoadReport, Liveness } from "../common/store/store.js";

// Load reports, batched: those that arrive within `windowMs` (or `max` of them) go to the store
// in one call, so a fleet's reports cost a Manager one store round trip per window rather than
// one per server per interval. A report's answer (false: its server was declared dead or
// registered again elsewhere) comes back to the stream that sent it. Nothing waits on a report
// but its own answer: a server's other events are never held behind the window. Answers are
// callbacks, called in the batch's order once the store answered: a thousand servers' reports a
// second are a thousand promises and their jobs a Manager need not make.

export interface LoadBatchOptions {
  store: Pick<Liveness, "recordLoads">;
  /** How long the first report of a batch waits for others; 0 sends each report alone. */
  windowMs: number;
  /** Reports in one store call at most. */
  max: number;
  /** An answer threw (a bug): told here, and the batch's other reports are still answered. */
  answerThrew(e: unknown): void;
}

/** A report's answer: `failed` when the store call failed, else whether its server's epoch was current. */
export type LoadAnswer = (failed: unknown, current: boolean) => void;

export class LoadBatch {
  private reports: LoadReport[] = [];
  private answers: LoadAnswer[] = [];
  private timer?: NodeJS.Timeout;
  private readonly flushNow = () => this.flush();

  constructor(private readonly o: LoadBatchOptions) {}

  /** Records `report` with the next batch; `answer` is called once the store has answered. */
  record(report: LoadReport, answer: LoadAnswer): void {
    this.reports.push(report);
    this.answers.push(answer);
    if (this.o.windowMs <= 0 || this.reports.length >= this.o.max) this.flush();
    else this.timer ??= setTimeout(this.flushNow, this.o.windowMs);
  }

  /** Sends what waits now: the window ended, or the batch is full. */
  private flush() {
    clearTimeout(this.timer);
    this.timer = undefined;
    const reports = this.reports;
    const answers = this.answers;
    if (reports.length === 0) return;
    this.reports = [];
    this.answers = [];
    this.o.store.recordLoads(reports).then(
      (current) => this.answerAll(answers, (answer, i) => answer(undefined, current[i] === true)),
      (e: unknown) =>
        this.answerAll(answers, (answer) => answer(e ?? new Error("the store failed without a reason"), false)),
    );
  }

  private answerAll(answers: LoadAnswer[], call: (answer: LoadAnswer, i: number) => void) {
    for (let i = 0; i < answers.length; i++) {
      try {
        call(answers[i]!, i);
      } catch (e) {
        this.o.answerThrew(e);
      }
    }
  }
}
