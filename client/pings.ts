// Pings to the game server: each waits for the pong with its nonce, and fails on timeout or when the connection closes.

export const PING_TIMEOUT_MS = 10_000;

interface PendingPing {
  sentAt: number;
  resolve(ms: number): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class Pings {
  private nonce = 0;
  private readonly pending = new Map<number, PendingPing>();

  constructor(private readonly roomId: string) {}

  /** Sends a ping with `send` (which may throw: the promise then rejects); resolves with the round-trip time in ms. */
  start(send: (nonce: number) => void, timeoutMs: number): Promise<number> {
    this.nonce = (this.nonce + 1) >>> 0; // uint32 on the wire
    const nonce = this.nonce;
    return new Promise((resolve, reject) => {
      send(nonce);
      const timer = setTimeout(() => {
        this.pending.delete(nonce);
        reject(new Error(`room ${this.roomId}: no pong within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(nonce, { sentAt: performance.now(), resolve, reject, timer });
    });
  }

  /** A pong arrived; one whose ping timed out or was never sent is ignored. */
  pong(nonce: number): void {
    const ping = this.pending.get(nonce);
    if (!ping) return;
    this.pending.delete(nonce);
    clearTimeout(ping.timer);
    ping.resolve(performance.now() - ping.sentAt);
  }

  /** Every ping still waiting fails: its pong cannot come any more. */
  failAll(why: string): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`room ${this.roomId}: ${why} before the pong`));
    }
    this.pending.clear();
  }
}
