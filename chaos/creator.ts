import { RoomgateClient } from "../client/index.js";

// Steady new traffic beside the players: a room created, joined and left on a timer, through
// each Gateway in turn. Every failure here is one a client would have seen.

export interface CreatorStats {
  ok: number;
  failed: number;
  /** Failures by their message's first words, for the report. */
  errors: Map<string, number>;
}

export class Creator {
  readonly stats: CreatorStats = { ok: 0, failed: 0, errors: new Map() };
  private timer?: NodeJS.Timeout;
  private inFlight = new Set<Promise<void>>();
  private n = 0;

  constructor(private readonly gatewayUrls: string[], private readonly perSecond: number) {}

  start() {
    if (this.perSecond <= 0) return;
    this.timer = setInterval(() => this.once(), 1000 / this.perSecond);
  }

  /** Counters from here on. */
  reset() {
    this.stats.ok = 0;
    this.stats.failed = 0;
    this.stats.errors.clear();
  }

  private once() {
    // No retries of our own: a client-visible error is one the Gateway could not hide.
    const client = new RoomgateClient(this.gatewayUrls[this.n++ % this.gatewayUrls.length]!, { reconnect: { maxAttempts: 0 } });
    const p = client
      .createRoom({ maxPlayers: 2 })
      .then((room) => room.leave())
      .then(
        () => void this.stats.ok++,
        (e: Error) => {
          this.stats.failed++;
          const key = String(e.message).split(/[:(]/)[0]!.slice(0, 60);
          this.stats.errors.set(key, (this.stats.errors.get(key) ?? 0) + 1);
        },
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  async stop() {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
  }
}
