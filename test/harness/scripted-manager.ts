import { randomBytes } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type AttachRequest,
  type AttachResponse,
  AttachResponseSchema,
  ManagerService,
} from "../../gen/roomgate/v1/manager_pb";
import { grpcServiceDefinition } from "../../common/grpc-adapter";
import { type Started, startComponent } from "../../testkit/cluster";
import { type RedisProcess, startRedis } from "../../testkit/redis-server";

// A Manager scripted by the test: it records each Attach stream a game server opens and what the
// server sends on it, and sends only what the test tells it to, in the test's order.

export type Stream = grpc.ServerDuplexStream<AttachRequest, AttachResponse>;

/** Each Attach stream the game server opens, and the messages it sends on it, in order. */
class Streams {
  private readonly waiting: ((s: Stream) => void)[] = [];
  private readonly opened: Stream[] = [];
  readonly messages = new Map<Stream, AttachRequest[]>();
  private readonly listeners = new Map<Stream, ((m: AttachRequest) => void)[]>();

  add(s: Stream) {
    this.messages.set(s, []);
    s.on("data", (m: AttachRequest) => {
      this.messages.get(s)!.push(m);
      for (const l of this.listeners.get(s)?.splice(0) ?? []) l(m);
    });
    s.on("error", () => {});
    const w = this.waiting.shift();
    if (w) w(s);
    else this.opened.push(s);
  }

  next(): Promise<Stream> {
    const s = this.opened.shift();
    return s ? Promise.resolve(s) : new Promise((r) => this.waiting.push(r));
  }

  /** The first message on s (already received, or to come) that matches. */
  async message(s: Stream, match: (m: AttachRequest) => boolean, what: string): Promise<AttachRequest> {
    const seen = this.messages.get(s)!.find(match);
    if (seen) return seen;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within 10 s`)), 10_000);
      const listen = (m: AttachRequest) => {
        if (match(m)) {
          clearTimeout(timer);
          resolve(m);
        } else this.listeners.get(s)!.push(listen);
      };
      this.listeners.set(s, [...(this.listeners.get(s) ?? []), listen]);
    });
  }
}

export const event = (roomId: string, kind: string) => (m: AttachRequest) =>
  m.msg.case === "roomEvent" && m.msg.value.roomId === roomId && m.msg.value.event.case === kind;

export const send = (s: Stream, msg: MessageInitShape<typeof AttachResponseSchema>["msg"]) =>
  s.write(create(AttachResponseSchema, { msg }));

/** A scripted Manager on a free loopback port; `close` shuts it down. */
async function scriptedManager(): Promise<{ streams: Streams; port: number; close: () => void }> {
  const streams = new Streams();
  const server = new grpc.Server();
  const unimplemented = (_call: unknown, cb: grpc.sendUnaryData<never>) =>
    cb({ code: grpc.status.UNIMPLEMENTED, details: "scripted Manager" });
  server.addService(grpcServiceDefinition(ManagerService), {
    attach: (call: Stream) => streams.add(call),
    allocateRoom: unimplemented,
    listServers: unimplemented,
    drainServer: unimplemented,
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { streams, port, close: () => server.forceShutdown() };
}

/** A game server process of this build talking to the scripted Manager on `port` (not awaited: it is ready once registered). */
function scriptedGameServer(redisUrl: string, port: number, id: string): Promise<Started> {
  return startComponent(
    "gameserver",
    {
      REDIS_URL: redisUrl,
      ROOMGATE_SECRET: randomBytes(24).toString("base64url"),
      GAMESERVER_HOST: "127.0.0.1",
      GAMESERVER_PORT: "0",
      GAMESERVER_ID: id,
      MANAGER_ADDRESS: `127.0.0.1:${port}`,
      REPORT_INTERVAL_MS: "200",
    },
    id,
  );
}

/**
 * A test file's scripted Manager, Redis and game server, stopped after its tests. `start` resolves
 * with the Manager's streams once the server process is starting; `starting` resolves once it is
 * ready, which takes an answered registration: await it after answering one.
 */
export function useScriptedManager() {
  const live: { redis?: RedisProcess; close?: () => void; gs?: Started } = {};
  afterAll(async () => {
    await live.gs?.proc.kill("SIGTERM");
    live.close?.();
    await live.redis?.stop();
  }, 30_000);
  return {
    async start(id: string) {
      live.redis = await startRedis();
      const m = await scriptedManager();
      live.close = m.close;
      const starting = scriptedGameServer(live.redis.url, m.port, id).then((gs) => {
        live.gs = gs;
      });
      return { streams: m.streams, starting };
    },
  };
}
