import type { Logger } from "../common/log.js";

/**
 * Ticks (onTick and sync) longer than the budget: logged with their duration at
 * most once a second per room, so a room that is always late does not flood the log.
 */
export class TickBudget {
  private lastLine = Number.NEGATIVE_INFINITY;
  private unlogged = 0;

  constructor(
    readonly budgetMs: number,
    private readonly log: Logger,
    private readonly stopwatch: () => number,
  ) {}

  /** Records a tick of `ms`; true when it was over budget. */
  took(ms: number, tick: number): boolean {
    if (ms <= this.budgetMs) return false;
    this.unlogged++;
    const now = this.stopwatch();
    if (now - this.lastLine >= 1000) {
      this.lastLine = now;
      this.log.warn("room tick over budget", {
        tick,
        durationMs: Math.round(ms * 1000) / 1000,
        budgetMs: this.budgetMs,
        overrunsSinceLastLine: this.unlogged,
      });
      this.unlogged = 0;
    }
    return true;
  }
}
