/** Every limit a game server enforces; all come from configuration. */
export interface RoomLimits {
  /** Largest client frame, bytes. */
  maxFrameBytes: number;
  /** Frames per second per client, with a burst of the same size. */
  maxMessagesPerSecond: number;
  /** Bytes per second per client, counted over whole frames, with a burst of the same size; 0: no limit. */
  maxBytesPerSecond: number;
  /** Most rooms at once (also registered with the Manager as capacity). */
  maxRooms: number;
  /** Most players on the server at once. */
  maxPlayers: number;
  /** How long an empty room waits for a returning player; 0 closes it at once. */
  reconnectGraceMs: number;
  /** Most keys in one room's shared state. */
  stateMaxKeys: number;
  /** Most bytes of one room's shared state: every key (UTF-8) plus every value. */
  stateMaxBytes: number;
  /** Longest state key, in characters (Unicode code points). */
  stateMaxKeyChars: number;
  /** Largest serialized RoomSnapshot sent to the Manager; a larger one is not sent. */
  snapshotMaxBytes: number;
  /** How long a room restored from a snapshot keeps the seats of the players it had. */
  migrationGraceMs: number;
  /** How long a player whose connection dropped (not a leave: close 1000) may rejoin as itself; 0: never. */
  rejoinGraceMs: number;
}

/** A token bucket: `rate` tokens a second, holding at most `rate`. */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = rate;
    this.last = now();
  }

  /** Takes `n` tokens if there are that many; a refusal takes none. */
  take(n = 1): boolean {
    const t = this.now();
    this.tokens = Math.min(this.rate, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }
}
