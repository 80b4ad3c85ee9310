// Rooms the Manager has asked a server to open and is waiting to hear back about.
interface Waiter {
  serverId: string;
  promise: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class PendingOpens {
  private readonly waiting = new Map<string, Waiter>();

  /** Starts waiting for roomId; rejects after timeoutMs. */
  expect(roomId: string, serverId: string, timeoutMs: number): Promise<void> {
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const timer = setTimeout(
      () => this.settle(roomId, new Error(`server ${serverId} did not open room in ${timeoutMs} ms`)),
      timeoutMs,
    );
    this.waiting.set(roomId, { serverId, promise, resolve, reject, timer });
    // Callers that only join an in-flight open must not see an unhandled rejection.
    promise.catch(() => {});
    return promise;
  }

  /** The promise of an open under way, for a second request that found the same room. */
  inFlight(roomId: string): Promise<void> | undefined {
    return this.waiting.get(roomId)?.promise;
  }

  /** With serverId, only settles a wait for that server (an answer from a server the room has left is ignored). */
  settle(roomId: string, error?: Error, serverId?: string): boolean {
    const w = this.waiting.get(roomId);
    if (!w || (serverId !== undefined && w.serverId !== serverId)) return false;
    this.waiting.delete(roomId);
    clearTimeout(w.timer);
    if (error) w.reject(error);
    else w.resolve();
    return true;
  }

  failServer(serverId: string, error: Error) {
    for (const [roomId, w] of this.waiting) if (w.serverId === serverId) this.settle(roomId, error);
  }

  clear() {
    for (const roomId of [...this.waiting.keys()]) this.settle(roomId, new Error("manager shutting down"));
  }
}
