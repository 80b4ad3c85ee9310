import type * as http2 from "node:http2";
import { Code, type ConnectRouter, ConnectError, type ContextValues, createConnectRouter } from "@connectrpc/connect";
import { type ConnectNodeAdapterOptions, compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import type { ConnectRouterOptions } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerRequest, UniversalServerResponse } from "@connectrpc/connect/protocol";
import { connectUnaryType, type UnaryCall, type UnaryServices, unaryRoutes } from "./connect-unary.js";
import { nodeHeaders, webHeaders } from "./node-headers.js";

// The Gateway's bridge from Node's request/response to connect-es's universal handlers, in place
// of connect-node's connectNodeAdapter. It serves the same protocols the same way; what it leaves
// out is work every call paid for and none needed (the hot path is CreateRoom at hundreds a
// second):
// - the request's abort signal fires only when the client goes away before its answer is
//   written, and is one per HTTP/1.1 connection. connect-node made one per call and aborted it at
//   every response's close, and a reasonless abort makes Node build an AbortError DOMException
//   with a stack each time;
// - the request itself is the body stream (an IncomingMessage and an Http2ServerRequest are
//   async iterables of Buffers), with no generator around it;
// - the URL is a string built once, not parsed and printed again;
// - a body of one chunk (every unary answer) is written with end(), in one go with the headers;
// - Connect unary calls to the services in `unary` skip connect-es's handlers (connect-unary.ts).

type NodeHandler = NonNullable<ConnectNodeAdapterOptions["fallback"]>;
type NodeRequest = Parameters<NodeHandler>[0];
type NodeResponse = Parameters<NodeHandler>[1];

export interface NodeAdapterOptions extends ConnectRouterOptions {
  routes: (router: ConnectRouter) => void;
  contextValues?: (req: NodeRequest) => ContextValues;
  /** Requests for paths no route serves. */
  fallback: (req: NodeRequest, res: NodeResponse) => void;
  /** A handler failed after its answer had started (the connection is dropped). */
  onError?: (err: unknown) => void;
  /** Services also registered by `routes` whose Connect unary calls are served by connect-unary.ts. */
  unary?: UnaryServices["services"];
}

/** A request listener for http.Server and http2 servers alike. */
export function nodeAdapter(o: NodeAdapterOptions): NodeHandler {
  const options = { acceptCompression: [compressionGzip, compressionBrotli], ...o };
  const router = createConnectRouter(options);
  o.routes(router);
  const paths = new Map<string, UniversalHandler>(router.handlers.map((h) => [h.requestPath, h]));
  const unary: Map<string, UnaryCall> = unaryRoutes({
    services: o.unary ?? [],
    options,
    contextValues: o.contextValues,
    clientSignal: callSignal,
  });
  const failed = (res: NodeResponse) => (e: unknown) => {
    if (!res.headersSent) {
      res.statusCode = 500;
      res.end();
    } else {
      res.destroy();
    }
    if (ConnectError.from(e).code !== Code.Canceled) o.onError?.(e);
  };
  return (req, res) => {
    const url = req.url ?? "";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const lean = unary.get(path);
    const type = lean && connectUnaryType(req);
    if (type) return void lean!(req, res, url, type).catch(failed(res));
    const handler = paths.get(path);
    if (!handler) return o.fallback(req, res);
    const state = { answered: false };
    const uReq: UniversalServerRequest = {
      httpVersion: req.httpVersion,
      method: req.method ?? "",
      // connect-es reads only the query from it (GET requests); the authority is the client's
      // claim and unused, so a fixed one keeps a hostile Host header out of URL parsing.
      url: `http://gateway${url}`,
      header: webHeaders(req.headers),
      body: req as AsyncIterable<Uint8Array>,
      signal: callSignal(req, res, state),
      contextValues: o.contextValues?.(req),
    };
    handler(uReq)
      .then((uRes) => write(uRes, res, state))
      .catch(failed(res));
  };
}

const LEFT = "the client closed the connection";
const CONNECTION_SIGNAL = Symbol("roomgate.connectionSignal");

/**
 * What cancels a call: its client leaving before the answer. An HTTP/1.1 client can only cancel by
 * closing the connection, so one signal per connection serves all its calls (connect-es unhooks
 * each call from it when the call ends); an HTTP/2 stream can be reset on its own.
 */
function callSignal(req: NodeRequest, res: NodeResponse, state: { answered: boolean }): AbortSignal {
  if (req.httpVersionMajor !== 2) {
    const socket = req.socket as typeof req.socket & { [CONNECTION_SIGNAL]?: AbortSignal };
    let signal = socket[CONNECTION_SIGNAL];
    if (!signal) {
      const abort = new AbortController();
      socket.once("close", () => abort.abort(new ConnectError(LEFT, Code.Canceled)));
      signal = socket[CONNECTION_SIGNAL] = abort.signal;
    }
    return signal;
  }
  const abort = new AbortController();
  res.once("close", () => {
    if (!state.answered) abort.abort(new ConnectError(LEFT, Code.Canceled));
  });
  return abort.signal;
}

async function write(uRes: UniversalServerResponse, res: NodeResponse, state: { answered: boolean }) {
  const it = uRes.body?.[Symbol.asyncIterator]();
  try {
    let chunk = it ? await it.next() : { done: true as const, value: undefined };
    // Headers go after the first chunk: the handler may still set some until then.
    res.writeHead(uRes.status, nodeHeaders(uRes.header) as never);
    // A body with a length (a Connect unary answer) is that one chunk: it goes out with end().
    if (!chunk.done && !uRes.trailer && uRes.header?.has("content-length")) {
      const rest = await it!.next();
      if (rest.done) {
        state.answered = true;
        res.end(chunk.value);
        return;
      }
      if (!res.write(chunk.value)) await drained(res);
      chunk = rest;
    }
    for (; !chunk.done; chunk = await it!.next()) {
      if (!res.write(chunk.value)) await drained(res);
    }
    if (uRes.trailer) (res as http2.Http2ServerResponse).addTrailers(nodeHeaders(uRes.trailer) as never);
    state.answered = true;
    res.end();
  } finally {
    // A write that failed (the client left) still lets a stream's generator run its clean-up.
    if (!state.answered) await it?.return?.().catch(() => {});
  }
}

function drained(res: NodeResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: unknown) => {
      res.off("drain", done);
      res.off("close", closed);
      if (err) reject(err);
      else resolve();
    };
    const closed = () => done(new ConnectError(LEFT, Code.Canceled));
    res.once("drain", done);
    res.once("close", closed);
  });
}
