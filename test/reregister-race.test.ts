import { randomBytes } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type AttachRequest,
  type AttachResponse,
  AttachResponseSchema,
  ManagerService,
  RoomCloseReason,
} from "../gen/roomgate/v1/manager_pb";
import { newRoomId } from "../common/ids";
import { grpcServiceDefinition } from "../common/grpc-adapter";
import { type Started, startComponent } from "../testkit/cluster";
import { type RedisProcess, startRedis } from "../testkit/redis-server";

// Issue 11 (chaos, "SIGKILL a Manager": a created room was gone before its creator connected).
// A game server re-registering with a new Manager may be given a room before the Manager's answer
// to the registration arrives: the Manager holds the stream at once, and places rooms on the
// server while it reconciles. The answer lists the rooms it keeps of those the registration
// named; it must not close the room opened after the registration left. A scripted Manager here
// sends exactly that order.

type Stream = grpc.ServerDuplexStream<AttachRequest, AttachResponse>;

let redis: RedisProcess | undefined;
let server: grpc.Server | undefined;
let gs: Started | undefined;

afterAll(async () => {
  await gs?.proc.kill("SIGTERM");
  server?.forceShutdown();
  await redis?.stop();
}, 30_000);

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

const event = (roomId: string, kind: string) => (m: AttachRequest) =>
  m.msg.case === "roomEvent" && m.msg.value.roomId === roomId && m.msg.value.event.case === kind;

const send = (s: Stream, msg: MessageInitShape<typeof AttachResponseSchema>["msg"]) =>
  s.write(create(AttachResponseSchema, { msg }));

test("a room opened between a re-registration and its answer stays; announced rooms the answer drops close", async () => {
  redis = await startRedis();
  const streams = new Streams();
  server = new grpc.Server();
  const unimplemented = (_call: unknown, cb: grpc.sendUnaryData<never>) =>
    cb({ code: grpc.status.UNIMPLEMENTED, details: "scripted Manager" });
  server.addService(grpcServiceDefinition(ManagerService), {
    attach: (call: Stream) => streams.add(call),
    allocateRoom: unimplemented,
    listServers: unimplemented,
    drainServer: unimplemented,
  });
  const port = await new Promise<number>((resolve, reject) =>
    server!.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  // Not awaited yet: the server may say it is ready only once registered, which this test answers.
  const starting = startComponent(
    "gameserver",
    {
      REDIS_URL: redis.url,
      ROOMGATE_SECRET: randomBytes(24).toString("base64url"),
      GAMESERVER_HOST: "127.0.0.1",
      GAMESERVER_PORT: "0",
      GAMESERVER_ID: "gs-race",
      MANAGER_ADDRESS: `127.0.0.1:${port}`,
      REPORT_INTERVAL_MS: "200",
    },
    "gs-race",
  );

  // First life: nothing announced. A room is opened before the answer, which keeps nothing.
  const first = await streams.next();
  const reg = await streams.message(first, (m) => m.msg.case === "register", "registration");
  expect(reg.msg.case === "register" && reg.msg.value.roomIds).toEqual([]);
  const early = newRoomId();
  send(first, { case: "openRoom", value: { roomId: early, maxPlayers: 2, firstJoinTimeoutMs: 30_000 } });
  await streams.message(first, event(early, "opened"), "opened event");
  send(first, { case: "registered", value: { roomIds: [] } });
  // The server reports once it has handled the answer (and retained its rooms).
  await streams.message(first, (m) => m.msg.case === "load", "first load report");
  expect(streams.messages.get(first)!.filter(event(early, "closed"))).toEqual([]);

  gs = await starting;

  // Second life: the room is announced; an answer that no longer maps it here closes it.
  first.end();
  const second = await streams.next();
  const again = await streams.message(second, (m) => m.msg.case === "register", "second registration");
  expect(again.msg.case === "register" && again.msg.value.roomIds).toEqual([early]);
  send(second, { case: "registered", value: { roomIds: [] } });
  const closed = await streams.message(second, event(early, "closed"), "closed event");
  expect(
    closed.msg.case === "roomEvent" && closed.msg.value.event.case === "closed" && closed.msg.value.event.value.reason,
  ).toBe(RoomCloseReason.CLOSED_BY_MANAGER);
}, 60_000);
