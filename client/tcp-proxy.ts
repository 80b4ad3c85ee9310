import { createServer, connect, type Socket } from "node:net";

// A loopback TCP proxy for tests: lets a test cut every connection at once, as a network would,
// while both ends stay up.

export interface TcpProxy {
  port: number;
  /** Where connections go; may be set after the proxy is listening. */
  targetPort: number;
  /** Destroys every open connection (both sides); returns how many there were. */
  dropAll(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort = 0): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    const upstream = connect(proxy.targetPort, "127.0.0.1");
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of pair) {
      s.on("error", end);
      s.on("close", end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const proxy: TcpProxy = {
    port: (server.address() as { port: number }).port,
    targetPort,
    dropAll() {
      const n = pairs.size;
      for (const [a, b] of [...pairs]) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
      return n;
    },
    close() {
      proxy.dropAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
