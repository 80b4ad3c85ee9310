import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { Duplex } from "node:stream";
import { readFileSync } from "node:fs";
import { notePeer } from "./peer-address.js";

// One port for HTTP/1.1 (browsers, fetch, Connect, gRPC-Web) and HTTP/2 (gRPC, Connect).
// Cleartext: the first bytes of a connection tell an HTTP/2 client (it opens with the "PRI *"
// preface, RFC 9113 section 3.4) from an HTTP/1.1 one, and the socket goes to the matching
// server. With TLS, ALPN does the same job.

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n");

type Handler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

/**
 * How long the listener waits for clients (ms). None of them cuts a call in flight whose request
 * has arrived: WatchCluster streams run for as long as the client keeps them.
 */
export interface ListenerTimeouts {
  /** A new connection must show its first bytes, and an HTTP/1.1 request its headers, within this. */
  headersMs: number;
  /** A whole request (headers and body) must arrive within this, on either HTTP version. */
  requestMs: number;
  /** An HTTP/1.1 connection waiting for its next request is closed after this. */
  keepAliveMs: number;
  /** An HTTP/2 connection with no call open and no traffic is closed (GOAWAY) after this. */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: ListenerTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 65_000,
  idleMs: 120_000,
};

export interface ListenerOptions {
  /**
   * Streams one HTTP/2 connection may have open at once, advertised in SETTINGS; a client that
   * opens more anyway loses the connection (nghttp2 treats it as a connection error). Without a
   * cap, one connection could open millions.
   */
  maxConcurrentStreams: number;
  /** A handler threw: the request got a 500 (or was reset) and the process goes on. */
  onHandlerError?: (err: unknown) => void;
}

export const DEFAULT_MAX_CONCURRENT_STREAMS = 100;

export interface DualServer {
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting, lets calls in flight finish, and force-closes what is left after timeoutMs. */
  close(timeoutMs: number): Promise<void>;
}

export function createDualServer(
  unguarded: Handler,
  tls?: { certFile: string; keyFile: string },
  timeouts: ListenerTimeouts = DEFAULT_TIMEOUTS,
  options: ListenerOptions = { maxConcurrentStreams: DEFAULT_MAX_CONCURRENT_STREAMS },
): DualServer {
  const handler = guarded(unguarded, options.onHandlerError);
  const settings = { maxConcurrentStreams: options.maxConcurrentStreams };
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  let outer: net.Server;
  let h1: http.Server | undefined;
  // 0 turns a timeout off. Node refuses a headers timeout longer than the request timeout.
  const headersMs =
    timeouts.requestMs > 0 && timeouts.headersMs > 0
      ? Math.min(timeouts.headersMs, timeouts.requestMs)
      : timeouts.headersMs;
  const shortest = Math.min(headersMs || Infinity, timeouts.requestMs || Infinity);
  const h1Timeouts = {
    headersTimeout: headersMs,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    // How often Node checks the two above (default 30 s, too coarse for short timeouts).
    connectionsCheckingInterval:
      shortest === Infinity ? 30_000 : Math.max(50, Math.min(30_000, Math.floor(shortest / 4))),
  };
  const onSession = (s: http2.ServerHttp2Session) => {
    track(sessions, s);
    watchSession(s, timeouts);
  };

  if (tls) {
    const secure = http2.createSecureServer(
      {
        cert: readFileSync(tls.certFile),
        key: readFileSync(tls.keyFile),
        allowHTTP1: true,
        handshakeTimeout: headersMs,
        settings,
        ...h1Timeouts,
      },
      handler as never,
    );
    // The HTTP/1.1 side of an allowHTTP1 server reads these from the server object.
    Object.assign(secure, {
      headersTimeout: headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
    });
    secure.on("session", onSession);
    outer = secure;
  } else {
    h1 = http.createServer(h1Timeouts, handler as http.RequestListener);
    // This server never listens itself (it gets its sockets from the outer one), and Node starts
    // checking the headers and request timeouts only on "listening".
    h1.emit("listening");
    const h2 = http2.createServer({ settings }, handler as never);
    let connecting: net.Socket | undefined;
    h2.on("session", (s) => {
      // Emitted from within h2.emit("connection") below, for the socket handed over there.
      notePeer(s, connecting?.remoteAddress);
      onSession(s);
    });
    outer = net.createServer((socket) => {
      // Until the first bytes tell the HTTP version, no server's own timeouts cover the socket.
      const silent = () => socket.destroy();
      socket.setTimeout(headersMs, silent);
      let seen = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        seen = Buffer.concat([seen, chunk]);
        const n = Math.min(seen.length, PREFACE.length);
        const isH2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
        if (isH2 && seen.length < PREFACE.length) return; // not sure yet
        socket.off("data", onData);
        socket.setTimeout(0);
        socket.off("timeout", silent);
        socket.pause();
        if (isH2) {
          // Node 20's http2 session reads the socket's handle directly and would miss the bytes
          // already taken off it, so it gets a stream that replays them first.
          connecting = socket;
          h2.emit("connection", replaying(socket, seen));
          connecting = undefined;
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
        // Stops the timeout checks started above (it was never bound: the error is expected).
        h1?.close(() => {});
        for (const s of sessions) s.close();
      }),
  };
}

/**
 * The last line of defence: a handler that throws costs its own request a 500 (or a reset, when
 * the response had begun), never the process.
 */
function guarded(handler: Handler, onError: (err: unknown) => void = () => {}): Handler {
  return (req, res) => {
    try {
      handler(req, res);
    } catch (err) {
      onError(err);
      if (!res.headersSent) {
        // Not writeHead: @types/node 22 gives HTTP/1 and HTTP/2 responses incompatible overloads.
        res.statusCode = 500;
        res.setHeader("content-type", "text/plain; charset=utf-8");
        res.end("internal error");
      } else {
        res.destroy();
      }
    }
  };
}

/**
 * HTTP/2 timeouts: a stream whose request has not fully arrived within requestMs is cancelled,
 * and a session with no open stream is closed after idleMs without traffic. Open streams keep a
 * session however quiet it is (WatchCluster sends at least once a minute anyway).
 */
function watchSession(session: http2.ServerHttp2Session, t: ListenerTimeouts) {
  let open = 0;
  session.on("stream", (stream: http2.ServerHttp2Stream) => {
    open++;
    let timer: NodeJS.Timeout | undefined;
    if (t.requestMs > 0 && !stream.state.remoteClose) {
      timer = setTimeout(() => {
        if (!stream.destroyed && !stream.state.remoteClose) stream.close(http2.constants.NGHTTP2_CANCEL);
      }, t.requestMs);
      timer.unref();
    }
    stream.once("close", () => {
      open--;
      clearTimeout(timer);
    });
  });
  if (t.idleMs > 0) {
    // Fires after idleMs without a frame either way; any later frame arms it again. (The
    // callback form of setTimeout would listen only once.)
    session.setTimeout(t.idleMs);
    session.on("timeout", () => {
      if (open === 0 && !session.closed && !session.destroyed) session.close();
    });
  }
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
