import * as net from "node:net";

// HTTP/1.1 written by hand, so that a test can send what no client library would: any method,
// path bytes and headers. Answers are read as far as a test needs them.

export interface RawRequest {
  method: string;
  path: string;
  headers: [string, string][];
  body: Uint8Array;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** What arrived of the body before the server ended it or went quiet. */
  body: Buffer;
}

/**
 * Sends one request on its own connection and resolves with the response, or with undefined when
 * the server closed the connection without one. A response that keeps streaming (WatchCluster) is
 * cut after `quietMs` without data.
 */
export function rawRequest(port: number, r: RawRequest, quietMs = 200): Promise<RawResponse | undefined> {
  const head = [
    `${r.method} ${r.path} HTTP/1.1`,
    "host: 127.0.0.1",
    "connection: close",
    `content-length: ${r.body.byteLength}`,
    ...r.headers.map(([k, v]) => `${k}: ${v}`),
  ];
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let data = Buffer.alloc(0);
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parse(data));
    };
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    });
    socket.on("close", done);
    socket.on("error", (e: NodeJS.ErrnoException) =>
      e.code === "ECONNRESET" || e.code === "EPIPE" ? done() : reject(e),
    );
    socket.end(Buffer.concat([Buffer.from(head.join("\r\n") + "\r\n\r\n", "latin1"), r.body]));
  });
}

function parse(data: Buffer): RawResponse | undefined {
  const end = data.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const [statusLine, ...lines] = data.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1]);
  if (!status) return undefined;
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const colon = l.indexOf(":");
    if (colon > 0) headers[l.slice(0, colon).trim().toLowerCase()] = l.slice(colon + 1).trim();
  }
  let body = data.subarray(end + 4);
  if (headers["transfer-encoding"] === "chunked") body = dechunk(body);
  return { status, headers, body };
}

function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < raw.length) {
    const eol = raw.indexOf("\r\n", at);
    if (eol < 0) break;
    const size = parseInt(raw.subarray(at, eol).toString("latin1"), 16);
    if (!size) break;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
