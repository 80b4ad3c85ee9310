import { Code, ConnectError } from "@connectrpc/connect";
import { RoomgateClient } from "@roomgate/client";

// Steady new traffic beside the players: a room created, joined and left on a timer, through
// each Gateway in turn. Every failure here is one a client would have seen.

/** One failed CreateRoom+join, as the client saw it. */
export interface CreatorFailure {
  /** Connect code name (unavailable, not_found, ...), or "join" when the game server never welcomed. */
  code: string;
  /** The whole message, with its causes. */
  message: string;
  startedAt: number;
  failedAt: number;
  /** The Gateway it went through (its index in gatewayUrls). */
  gateway: number;
}

export interface CreatorStats {
  ok: number;
  failed: number;
  /** Failures by their message's first words, for the report. */
  errors: Map<string, number>;
  failures: CreatorFailure[];
}

export class Creator {
  readonly stats: CreatorStats = { ok: 0, failed: 0, errors: new Map(), failures: [] };
  private timer?: NodeJS.Timeout;
  private inFlight = new Set<Promise<void>>();
  private n = 0;

  constructor(
    private readonly gatewayUrls: string[],
    private readonly perSecond: number,
  ) {}

  start() {
    if (this.perSecond <= 0) return;
    this.timer = setInterval(() => this.once(), 1000 / this.perSecond);
  }

  /** Counters from here on. */
  reset() {
    this.stats.ok = 0;
    this.stats.failed = 0;
    this.stats.errors.clear();
    this.stats.failures = [];
  }

  private once() {
    // No retries of our own: a client-visible error is one the Gateway could not hide.
    const gateway = this.n++ % this.gatewayUrls.length;
    const client = new RoomgateClient(this.gatewayUrls[gateway]!, {
      reconnect: { maxAttempts: 0 },
    });
    const startedAt = Date.now();
    const p = client
      .createRoom({ maxPlayers: 2 })
      .then((room) => room.leave())
      .then(
        () => void this.stats.ok++,
        (e: Error) => {
          const stats = this.stats;
          stats.failed++;
          const failure = describe(e, startedAt, gateway);
          stats.failures.push(failure);
          const key =
            `${failure.code} ${failure.message.replace(/[A-Za-z0-9_-]{22}/g, "<id>").replace(/ws:\/\/[^\s:]+:\d+/g, "<server>")}`.slice(
              0,
              90,
            );
          stats.errors.set(key, (stats.errors.get(key) ?? 0) + 1);
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

function describe(e: Error, startedAt: number, gateway: number): CreatorFailure {
  const causes: string[] = [];
  for (
    let c = (e as { cause?: unknown }).cause;
    c instanceof Error && causes.length < 3;
    c = (c as { cause?: unknown }).cause
  )
    causes.push(c.message);
  const first = e instanceof ConnectError ? e.rawMessage : e.message;
  const message = [first, ...causes.filter((c) => !first.includes(c))].join(" <- ");
  const code = e instanceof ConnectError ? Code[e.code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase() : "join";
  return { code, message, startedAt, failedAt: Date.now(), gateway };
}
