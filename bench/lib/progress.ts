// Live progress on stderr, so stdout carries only the final summary. On a terminal one line is
// redrawn in place; in CI (not a TTY) plain lines are printed, at most one every 2 s, plus the
// one closing line of each phase, so logs stay short.

export interface Counts {
  done: number;
  errors: number;
}

const TTY_INTERVAL_MS = 250;
const PLAIN_INTERVAL_MS = 2000;

export class Progress {
  private timer: NodeJS.Timeout | undefined;
  /** Renders the running phase's line; undefined between phases. */
  private current: (() => string) | undefined;
  /** Whether a TTY line is on screen that a note must erase first. */
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly tty: boolean = !!process.stderr.isTTY,
  ) {}

  /** A one-off line (start-up, shutdown), printed without disturbing a live progress line. */
  note(msg: string) {
    this.clearLine();
    this.out.write(`${msg}\n`);
  }

  begin(phase: string, total: number, read: () => Counts) {
    this.finish();
    const started = performance.now();
    const render = () => line(phase, total, read(), performance.now() - started);
    const every = this.tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS;
    this.timer = setInterval(() => {
      if (this.tty) {
        this.out.write(`\r\x1b[K${render()}`);
        this.drawn = true;
      } else {
        this.out.write(`${render()}\n`);
      }
    }, every);
    // Progress must never be what keeps the process alive.
    this.timer.unref();
    this.current = render;
  }

  /** Stops the ticker and leaves the phase's final state as a permanent line. */
  end(suffix = "") {
    const render = this.current;
    this.finish();
    if (render) this.note(`${render()}${suffix ? `  ${suffix}` : ""}`);
  }

  private finish() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.current = undefined;
  }

  private clearLine() {
    if (this.tty && this.drawn) this.out.write("\r\x1b[K");
    this.drawn = false;
  }
}

function line(phase: string, total: number, c: Counts, elapsedMs: number): string {
  const s = elapsedMs / 1000;
  const rate = s > 0 ? c.done / s : 0;
  const pct = total > 0 ? Math.floor((100 * c.done) / total) : 100;
  const errs = c.errors > 0 ? `  errors ${c.errors}` : "";
  return `[${phase}] ${c.done}/${total} (${pct}%)  ${rate.toFixed(rate < 100 ? 1 : 0)}/s  ${s.toFixed(1)} s${errs}`;
}
