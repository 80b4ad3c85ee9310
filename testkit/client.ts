import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import WebSocket from "ws";
import { GatewayService } from "../gen/roomgate/v1/gateway_pb.js";
import { ClientFrameSchema, type ServerFrame, ServerFrameSchema } from "../gen/roomgate/v1/room_pb.js";
import { roomUrl } from "@roomgate/client/protocol/urls";
import { waitTimer } from "./wait-timer.js";

// A minimal client for tests and benchmarks: Gateway calls over a chosen protocol, and a player
// that speaks the WebSocket protocol and lets a test await the frames it expects.

export type Protocol = "connect" | "grpc" | "grpc-web";

export function gatewayClient(baseUrl: string, protocol: Protocol = "connect"): Client<typeof GatewayService> {
  const transport =
    protocol === "grpc"
      ? createGrpcTransport({ baseUrl })
      : protocol === "grpc-web"
        ? createGrpcWebTransport({ baseUrl, httpVersion: "1.1" })
        : createConnectTransport({ baseUrl, httpVersion: "1.1" });
  return createClient(GatewayService, transport);
}

/** The operator token every test cluster's Gateways run with (ADMIN_TOKEN). */
export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789";
/** Call options that carry it: WatchCluster needs them. */
export const AS_OPERATOR = { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } };

/** Re-exported so tests and benchmarks build room URLs from the one place the servers route. */
export { roomUrl };

export type FrameCase = NonNullable<ServerFrame["frame"]["case"]>;

export class Player {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters: { match: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];
  private consumed = 0;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((res) => ws.once("close", (code, reason) => res({ code, reason: reason.toString() })));
    ws.on("message", (data: Buffer) => {
      const frame = fromBinary(ServerFrameSchema, new Uint8Array(data));
      this.frames.push(frame);
      const i = this.waiters.findIndex((w) => w.match(frame));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(frame);
    });
  }

  /** Opens the socket (offering `protocols`); rejects with the HTTP status when the server refuses the upgrade. */
  static connect(url: string, protocols: string[] = []): Promise<Player> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols);
      ws.binaryType = "nodebuffer";
      const player = new Player(ws);
      ws.once("open", () => resolve(player));
      ws.once("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => {
          // With a listener here, ws leaves the refused request's socket to us: close it.
          ws.terminate();
          reject(
            Object.assign(new Error(`upgrade refused: ${res.statusCode} ${body}`), { status: res.statusCode, body }),
          );
        });
      });
      ws.once("error", reject);
    });
  }

  /** Connects and waits for the welcome frame. */
  static async join(serverAddress: string, roomId: string, token: string) {
    const p = await Player.connect(roomUrl(serverAddress, roomId, token));
    const welcome = await p.next("welcome");
    return { player: p, welcome: welcome.frame.value as Extract<ServerFrame["frame"], { case: "welcome" }>["value"] };
  }

  /** The next frame of the given case not yet consumed by `next` (frames are kept in order). */
  next<C extends FrameCase>(
    kind: C,
    timeoutMs = 10_000,
  ): Promise<ServerFrame & { frame: Extract<ServerFrame["frame"], { case: C }> }> {
    const match = (f: ServerFrame) => f.frame.case === kind;
    for (let i = this.consumed; i < this.frames.length; i++) {
      if (match(this.frames[i]!)) {
        this.consumed = i + 1;
        return Promise.resolve(this.frames[i] as never);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = waitTimer(() => reject(new Error(`no ${kind} frame within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          this.consumed = this.frames.length;
          resolve(f as never);
        },
      });
    });
  }

  send(frame: MessageInitShape<typeof ClientFrameSchema>["frame"]) {
    this.ws.send(toBinary(ClientFrameSchema, create(ClientFrameSchema, { frame })));
  }

  broadcast(payload: Uint8Array) {
    this.send({ case: "broadcast", value: { payload } });
  }

  sendRaw(data: Buffer | string) {
    this.ws.send(data);
  }

  leave() {
    this.ws.close(1000, "bye");
    return this.closed;
  }

  terminate() {
    this.ws.terminate();
  }
}
