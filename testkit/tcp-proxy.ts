import { createServer, connect, type Socket } from "node:net";

// A loopback TCP proxy for tests: lets a test cut every connection at once, as a network would,
// while both ends stay up; or make the far end look far away (delayMs); or go silent
// (blackhole): a partition, in which nothing arrives and nothing is refused or closed.

export interface TcpProxy {
  port: number;
  /** Where connections go; may be set after the proxy is listening. */
  targetPort: number;
  /**
   * Holds every chunk this long, each way (a round trip costs twice as much); 0 (the default)
   * forwards at once. Connections keep the delay they were accepted with.
   */
  delayMs: number;
  /** Destroys every open connection (both sides); returns how many there were. */
  dropAll(): number;
  /**
   * Stops forwarding both ways without closing anything, as a partition does: bytes wait in the
   * sockets' buffers (as TCP would retransmit them) and new connections are accepted but carry
   * nothing. Not with delayMs.
   */
  blackhole(): void;
  /** Ends a blackhole: what waited is delivered, and forwarding goes on. */
  heal(): void;
  /** Whether the proxy is silent now. */
  readonly silent: boolean;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort = 0, options: { delayMs?: number } = {}): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let silent = false;
  const hold = ([client, upstream]: [Socket, Socket]) => {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  };
  const flow = ([client, upstream]: [Socket, Socket]) => {
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const server = createServer((client) => {
    const upstream = connect(proxy.targetPort, "127.0.0.1");
    const delayMs = proxy.delayMs;
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of pair) {
      s.on("error", end);
      // A delayed close would otherwise overtake the data still held back.
      s.on("close", delayMs > 0 ? () => setTimeout(end, delayMs) : end);
    }
    if (delayMs > 0) {
      relayLater(client, upstream, delayMs);
      relayLater(upstream, client, delayMs);
    } else if (silent) {
      hold(pair);
    } else {
      flow(pair);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const proxy: TcpProxy = {
    port: (server.address() as { port: number }).port,
    targetPort,
    delayMs: options.delayMs ?? 0,
    dropAll() {
      const n = pairs.size;
      for (const [a, b] of [...pairs]) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
      return n;
    },
    blackhole() {
      if (proxy.delayMs > 0) throw new Error("blackhole: not with delayMs");
      silent = true;
      for (const pair of pairs) hold(pair);
    },
    heal() {
      if (!silent) return;
      silent = false;
      for (const pair of pairs) flow(pair);
    },
    get silent() {
      return silent;
    },
    close() {
      proxy.dropAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}

/** Forwards each chunk (and the end) delayMs later; timers of one duration fire in order. */
function relayLater(from: Socket, to: Socket, delayMs: number) {
  from.on("data", (chunk: Buffer) => setTimeout(() => to.destroyed || to.write(chunk), delayMs));
  from.on("end", () => setTimeout(() => to.destroyed || to.end(), delayMs));
}
