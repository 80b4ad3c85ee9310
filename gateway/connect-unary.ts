import { create, type DescMessage, type DescMethodUnary, type DescService, isMessage } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ConnectRouterOptions,
  type ContextValues,
  createContextValues,
  createServiceImplSpec,
  type HandlerContext,
  type Interceptor,
  type ServiceImpl,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import {
  compressionNegotiate,
  createMethodSerializationLookup,
  type MethodSerializationLookup,
  mergeNonProtocolHeaders,
  readAllBytes,
  validateUniversalHandlerOptions,
} from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  contentTypeUnaryJson,
  contentTypeUnaryProto,
  errorToJsonBytes,
  parseContentType,
  parseTimeout,
  trailerMux,
} from "@connectrpc/connect/protocol-connect";
import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";
import { nodeHeaders, webHeaders } from "./node-headers.js";
import { isMisread } from "./parse-errors.js";

// Connect unary calls (a POST of application/proto or application/json: every CreateRoom a game
// client makes) served without connect-es's per-call machinery, which was a quarter of what a
// room cost the Gateway: a handler context with two linked AbortControllers and a deadline timer,
// three Headers (the request's copied once more), an abort that builds a DOMException at every
// call's end, the body as an async iterable and the answer as another. Here the call's signal and
// its Headers exist only once something asks for them (on the room path nothing does, unless
// player auth or tracing is on), and the answer is one write.
//
// The protocol is connect-es's own, from its exported pieces: the same content types, timeout
// header, compression negotiation, size limits, error JSON and status codes, and the same
// interceptors around the same service implementation. Everything else (gRPC, gRPC-Web, GET,
// streams) still goes to connect-es. connect-unary.test.ts holds the two to the same answers.

type NodeHandler = NonNullable<ConnectNodeAdapterOptions["fallback"]>;
type NodeRequest = Parameters<NodeHandler>[0];
type NodeResponse = Parameters<NodeHandler>[1];

export interface UnaryServices {
  /** The services whose unary methods are served here, with the implementation connect-es gets too. */
  services: { service: DescService; impl: object }[];
  options: ConnectRouterOptions;
  contextValues?: (req: NodeRequest) => ContextValues;
  /** The call's signal, on first use: aborts when the client leaves before its answer (node-adapter.ts). */
  clientSignal: (req: NodeRequest, res: NodeResponse, call: { answered: boolean }) => AbortSignal;
}

export interface UnaryType {
  binary: boolean;
}

/** Serves one call of `connectUnaryType`; resolves once its answer is written (or could not be). */
export type UnaryCall = (req: NodeRequest, res: NodeResponse, url: string, type: UnaryType) => Promise<void>;

type AnyUnary = DescMethodUnary<DescMessage, DescMessage>;
type Impl = (req: unknown, ctx: HandlerContext) => unknown;
type Next = (req: UnaryRequest) => Promise<UnaryResponse>;

interface Route {
  method: AnyUnary;
  serialization: MethodSerializationLookup<DescMessage, DescMessage>;
  /** The interceptors around the implementation, built once. */
  next: Next;
}

/** A handler per unary method path ("/roomgate.v1.GatewayService/CreateRoom"). */
export function unaryRoutes(o: UnaryServices): Map<string, UnaryCall> {
  const opt = validateUniversalHandlerOptions(o.options);
  const routes = new Map<string, UnaryCall>();
  for (const { service, impl } of o.services) {
    const spec = createServiceImplSpec(service, impl as ServiceImpl<DescService>);
    for (const m of Object.values(spec.methods)) {
      if (m.kind !== "unary") continue;
      const method = m.method as AnyUnary;
      const route: Route = {
        method,
        serialization: createMethodSerializationLookup(method, opt.binaryOptions, opt.jsonOptions, opt),
        next: chain(opt.interceptors, method, m.impl as Impl),
      };
      routes.set(`/${service.typeName}/${method.name}`, (req, res, url, type) =>
        serve(route, opt, o, { req, res, url, type }),
      );
    }
  }
  return routes;
}

/** The format of a Connect unary call, which this file serves; undefined for anything else (connect-es's). */
export function connectUnaryType(req: NodeRequest): UnaryType | undefined {
  if (req.method !== "POST") return undefined;
  const type = parseContentType(req.headers["content-type"] ?? null);
  return type && !type.stream ? type : undefined;
}

function chain(interceptors: Interceptor[], method: AnyUnary, impl: Impl): Next {
  const inner: Next = async (req) => {
    const call = callOf(req);
    const out = await impl(req.message, handlerContext(req, call));
    const message = isMessage(out, method.output) ? out : create(method.output, out as never);
    return {
      stream: false,
      service: method.parent,
      method,
      message,
      get header() {
        return call.header();
      },
      get trailer() {
        return call.trailer();
      },
    } as UnaryResponse;
  };
  // connect-es applies them in this order at every call; the functions they return hold no call's state.
  return interceptors.reduceRight((next, i) => i(next as never) as Next, inner);
}

const CALL = Symbol("roomgate.unaryCall");

/** What one call made lazily, reached from its request (interceptors may pass on a copy: the symbol goes with it). */
class CallState {
  answered = false;
  private requestHeader?: Headers;
  private responseHeader?: Headers;
  private responseTrailer?: Headers;
  private controller?: AbortController;
  private timer?: NodeJS.Timeout;
  private unlink?: () => void;

  constructor(
    readonly req: NodeRequest,
    private readonly res: NodeResponse,
    private readonly clientSignal: UnaryServices["clientSignal"],
    /** When the client's timeout runs out (performance.now()), if it sent one. */
    readonly deadline: number | undefined,
  ) {}

  headers(): Headers {
    return (this.requestHeader ??= webHeaders(this.req.headers));
  }

  header(): Headers {
    return (this.responseHeader ??= new Headers());
  }

  trailer(): Headers {
    return (this.responseTrailer ??= new Headers());
  }

  /** Answer headers as set so far, without making any. */
  setHeaders(): { header?: Headers; trailer?: Headers } {
    return { header: this.responseHeader, trailer: this.responseTrailer };
  }

  /** Aborts when the client leaves, or its timeout runs out: what connect-es's context signal does. */
  signal(): AbortSignal {
    if (this.controller) return this.controller.signal;
    const c = (this.controller = new AbortController());
    if (this.deadline !== undefined) {
      const left = this.deadline - performance.now();
      const expire = () => c.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
      if (left <= 0) expire();
      else this.timer = setTimeout(expire, left);
    }
    const client = this.clientSignal(this.req, this.res, this);
    const onClient = () => c.abort(client.reason);
    if (client.aborted) onClient();
    else {
      client.addEventListener("abort", onClient, { once: true });
      this.unlink = () => client.removeEventListener("abort", onClient);
    }
    return c.signal;
  }

  /** The call is over: its signal (if it was ever asked for) aborts, as connect-es's does. */
  end(reason?: unknown) {
    clearTimeout(this.timer);
    this.unlink?.();
    if (this.controller && !this.controller.signal.aborted) this.controller.abort(reason);
  }
}

function callOf(req: UnaryRequest): CallState {
  return (req as unknown as { [CALL]: CallState })[CALL];
}

function handlerContext(req: UnaryRequest, call: CallState): HandlerContext {
  return {
    method: req.method,
    service: req.service,
    requestMethod: req.requestMethod,
    protocolName: "connect",
    url: req.url,
    values: req.contextValues,
    get requestHeader() {
      return req.header;
    },
    get signal() {
      return req.signal;
    },
    get responseHeader() {
      return call.header();
    },
    get responseTrailer() {
      return call.trailer();
    },
    timeoutMs: () => (call.deadline === undefined ? undefined : Math.round(call.deadline - performance.now())),
  };
}

function unaryRequest(method: AnyUnary, url: string, values: ContextValues, call: CallState, message: unknown) {
  return {
    stream: false as const,
    service: method.parent,
    method,
    requestMethod: "POST",
    // connect-es's form (node-adapter.ts): the authority is fixed, never the client's Host.
    url: `http://gateway${url}`,
    contextValues: values,
    message,
    get header() {
      return call.headers();
    },
    get signal() {
      return call.signal();
    },
    [CALL]: call,
  } as UnaryRequest & { [CALL]: CallState };
}

type Options = ReturnType<typeof validateUniversalHandlerOptions>;

interface Incoming {
  req: NodeRequest;
  res: NodeResponse;
  url: string;
  type: UnaryType;
}

async function serve(route: Route, opt: Options, o: UnaryServices, { req, res, url, type }: Incoming) {
  const h = req.headers;
  const timeout = parseTimeout(one(h["connect-timeout-ms"]), opt.maxTimeoutMs);
  const call = new CallState(
    req,
    res,
    o.clientSignal,
    timeout.timeoutMs === undefined ? undefined : performance.now() + timeout.timeoutMs,
  );
  const compression = compressionNegotiate(
    opt.acceptCompression,
    one(h["content-encoding"]),
    one(h["accept-encoding"]),
    "accept-encoding",
  );
  let status = 200;
  let body: Uint8Array;
  let contentType = type.binary ? contentTypeUnaryProto : contentTypeUnaryJson;
  let failure: unknown;
  try {
    if (compression.error) throw compression.error;
    if (timeout.error) throw timeout.error;
    let bytes = await readAllBytes(req as AsyncIterable<Uint8Array>, opt.readMaxBytes, one(h["content-length"]));
    if (compression.request) bytes = await compression.request.decompress(bytes, opt.readMaxBytes);
    const input = parse(route, type.binary, bytes);
    const values = o.contextValues?.(req) ?? createContextValues();
    const out = await route.next(unaryRequest(route.method, url, values, call, input));
    // An interceptor may answer with Headers of its own: they are the answer's. (Ours are getters,
    // read only here so that no Headers are made for an answer that sets none.)
    if (!Object.getOwnPropertyDescriptor(out, "header")?.get) copyHeaders(out.header, call.header());
    if (!Object.getOwnPropertyDescriptor(out, "trailer")?.get) copyHeaders(out.trailer, call.trailer());
    body = route.serialization.getO(type.binary).serialize(out.message);
  } catch (e) {
    failure = e;
    const error =
      e instanceof ConnectError ? e : new ConnectError("internal error", Code.Internal, undefined, undefined, e);
    status = codeToHttpStatus(error.code);
    contentType = contentTypeUnaryJson;
    if (!error.isWireError) mergeNonProtocolHeaders(call.header(), error.metadata);
    body = errorToJsonBytes(error, opt.jsonOptions);
  }
  call.end(failure);
  const { header, trailer } = call.setHeaders();
  // As connect-es writes them (trailers as trailer-* headers), with no Headers made for an answer that sets none.
  const head = nodeHeaders(trailer ? trailerMux(header ?? new Headers(), trailer) : header);
  head["content-type"] = contentType;
  if (compression.response && body.byteLength >= opt.compressMinBytes) {
    body = await compression.response.compress(body);
    head["content-encoding"] = compression.response.name;
  }
  head["content-length"] = String(body.byteLength);
  call.answered = true;
  res.writeHead(status, head as never);
  res.end(body);
}

/** The request message, or invalid_argument: a body that is not the method's message is the client's mistake. */
function parse(route: Route, binary: boolean, bytes: Uint8Array): unknown {
  try {
    return route.serialization.getI(binary).parse(bytes);
  } catch (e) {
    const err = ConnectError.from(e, Code.InvalidArgument);
    if (err.code === Code.Internal && isMisread(err.rawMessage))
      throw new ConnectError(err.rawMessage, Code.InvalidArgument, undefined, undefined, e);
    throw err;
  }
}

function one(v: string | string[] | undefined): string | null {
  return v === undefined ? null : typeof v === "string" ? v : v.join(", ");
}

function copyHeaders(from: Headers, to: Headers) {
  if (from === to) return;
  for (const key of [...to.keys()]) to.delete(key);
  for (const [key, value] of from) to.set(key, value);
}
