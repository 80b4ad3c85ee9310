/** Every limit a game server enforces; all come from configuration. */
export interface RoomLimits {
  /** Largest client frame, bytes. */
  maxFrameBytes: number;
  /** Frames per second per client, with a burst of the same size. */
  maxMessagesPerSecond: number;
  /** Most rooms at once (also registered with the Manager as capacity). */
  maxRooms: number;
  /** Most players on the server at once. */
  maxPlayers: number;
  /** How long an empty room waits for a returning player; 0 closes it at once. */
  reconnectGraceMs: number;
}

/** A token bucket: `rate` tokens a second, holding at most `rate`. */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(private readonly rate: number, private readonly now: () => number = Date.now) {
    this.tokens = rate;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.rate, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
