import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { Duplex } from "node:stream";
import { readFileSync } from "node:fs";

// One port for HTTP/1.1 (browsers, fetch, Connect, gRPC-Web) and HTTP/2 (gRPC, Connect).
// Cleartext: the first bytes of a connection tell an HTTP/2 client (it opens with the "PRI *"
// preface, RFC 9113 section 3.4) from an HTTP/1.1 one, and the socket goes to the matching
// server. With TLS, ALPN does the same job.

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n");

type Handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;

export interface DualServer {
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting, lets calls in flight finish, and force-closes what is left after timeoutMs. */
  close(timeoutMs: number): Promise<void>;
}

export function createDualServer(handler: Handler, tls?: { certFile: string; keyFile: string }): DualServer {
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  let outer: net.Server;
  let h1: http.Server | undefined;

  if (tls) {
    const secure = http2.createSecureServer(
      { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), allowHTTP1: true },
      handler as never,
    );
    secure.on("session", (s) => track(sessions, s));
    outer = secure;
  } else {
    h1 = http.createServer(handler as http.RequestListener);
    const h2 = http2.createServer(handler as never);
    h2.on("session", (s) => track(sessions, s));
    outer = net.createServer((socket) => {
      let seen = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        seen = Buffer.concat([seen, chunk]);
        const n = Math.min(seen.length, PREFACE.length);
        const isH2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
        if (isH2 && seen.length < PREFACE.length) return; // not sure yet
        socket.off("data", onData);
        socket.pause();
        if (isH2) {
          // Node 20's http2 session reads the socket's handle directly and would miss the bytes
          // already taken off it, so it gets a stream that replays them first.
          h2.emit("connection", replaying(socket, seen));
        } else {
          socket.unshift(seen);
          h1!.emit("connection", socket);
          socket.resume();
        }
      };
      socket.on("data", onData);
      socket.on("error", () => socket.destroy());
    });
  }
  outer.on("connection", (s: net.Socket) => track(sockets, s));

  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        outer.once("error", reject);
        outer.listen(port, host, () => {
          outer.off("error", reject);
          resolve((outer.address() as net.AddressInfo).port);
        });
      }),
    close: (timeoutMs) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, timeoutMs);
        force.unref();
        outer.close(() => {
          clearTimeout(force);
          resolve();
        });
        // Idle HTTP/1.1 keep-alive sockets go now; HTTP/2 sessions get GOAWAY and finish their streams.
        h1?.closeIdleConnections();
        for (const s of sessions) s.close();
      }),
  };
}

function replaying(socket: net.Socket, head: Buffer): Duplex {
  const d = new Duplex({
    read: () => socket.resume(),
    write: (chunk, encoding, cb) => socket.write(chunk, encoding, cb),
    final: (cb) => socket.end(cb),
    destroy: (err, cb) => {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  d.push(head);
  socket.on("data", (chunk) => {
    if (!d.push(chunk)) socket.pause();
  });
  socket.on("end", () => d.push(null));
  socket.on("close", () => d.destroy());
  Object.defineProperties(d, {
    remoteAddress: { get: () => socket.remoteAddress },
    remotePort: { get: () => socket.remotePort },
    localAddress: { get: () => socket.localAddress },
    localPort: { get: () => socket.localPort },
  });
  return d;
}

function track<T extends { once(ev: "close", fn: () => void): unknown }>(set: Set<T>, item: T) {
  set.add(item);
  item.once("close", () => set.delete(item));
}
