import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { RoomVisibility } from "../gen/roomgate/v1/common_pb.js";
import {
  ClusterEventKind,
  CreateRoomRequestSchema,
  GatewayService,
  GetRoomRequestSchema,
  type WatchClusterResponse,
} from "../gen/roomgate/v1/gateway_pb.js";
import { MemoryStore } from "../common/store/memory-store.js";
import { JoinTokens } from "../common/token.js";
import { FakeAllocator } from "../testkit/fake-allocator.js";
import { AdminToken } from "../common/admin-token.js";
import { Matchmaker } from "./matchmaking/matchmaker.js";
import { routes } from "./routes.js";
import { GatewayServiceImpl } from "./service.js";

// The admin plane at the Gateway's edge (issue 10): WatchCluster needs the operator's bearer
// token, and even then never carries a private room's id, the one thing JoinRoom needs.

const TOKEN = "operator-token-0123456789";

async function gateway(adminToken: string | undefined) {
  const store = new MemoryStore();
  const allocator = await FakeAllocator.withServer(store, "eu");
  const matchmaker = new Matchmaker({
    store,
    allocator,
    tokens: new JoinTokens("s".repeat(32)),
    joinTokenTtlMs: 10_000,
    defaultMaxPlayers: 4,
    maxPlayersLimit: 8,
    region: "eu",
  });
  const impl = new GatewayServiceImpl({ matchmaker, cluster: store, admin: new AdminToken(adminToken) });
  return { impl, client: createClient(GatewayService, createRouterTransport(routes(impl))) };
}

/** The first snapshot, or the error the stream ends with. */
async function firstSnapshot(client: Awaited<ReturnType<typeof gateway>>["client"], authorization?: string) {
  const abort = new AbortController();
  try {
    const headers: Record<string, string> = authorization ? { authorization } : {};
    for await (const res of client.watchCluster({}, { headers, signal: abort.signal })) return res;
    throw new Error("the stream ended without a snapshot");
  } catch (e) {
    return ConnectError.from(e);
  } finally {
    abort.abort();
  }
}

test("WatchCluster without the operator token is unauthenticated, and says what to send", async () => {
  const { client } = await gateway(TOKEN);
  const anonymous = await firstSnapshot(client);
  expect(anonymous).toBeInstanceOf(ConnectError);
  expect([(anonymous as ConnectError).code, (anonymous as ConnectError).rawMessage]).toEqual([
    Code.Unauthenticated,
    "WatchCluster needs the operator token: send 'authorization: Bearer <ADMIN_TOKEN>' (the dashboard asks for it)",
  ]);
  for (const wrong of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, "Bearer ", TOKEN, `Basic ${TOKEN}`])
    expect(((await firstSnapshot(client, wrong)) as ConnectError).code).toBe(Code.Unauthenticated);
  const ok = await firstSnapshot(client, `Bearer ${TOKEN}`);
  expect((ok as WatchClusterResponse).servers.map((s) => s.id)).toEqual(["gs-eu"]);
  // The scheme is case-insensitive (RFC 7235); the token is not.
  expect(await firstSnapshot(client, `bearer ${TOKEN}`)).not.toBeInstanceOf(ConnectError);
  expect(((await firstSnapshot(client, `Bearer ${TOKEN.toUpperCase()}`)) as ConnectError).code).toBe(
    Code.Unauthenticated,
  );
});

test("a Gateway without ADMIN_TOKEN refuses WatchCluster to everyone, saying why", async () => {
  const { client } = await gateway(undefined);
  for (const authorization of [undefined, "Bearer anything-at-all-000"]) {
    const err = (await firstSnapshot(client, authorization)) as ConnectError;
    expect([err.code, err.rawMessage]).toEqual([
      Code.FailedPrecondition,
      "WatchCluster is off here: this process was started without ADMIN_TOKEN (set one to let operators in)",
    ]);
  }
});

test("private rooms are listed without their ids, in rooms and in events; public ones keep theirs", async () => {
  const { impl, client } = await gateway(TOKEN);
  const abort = new AbortController();
  const seen: WatchClusterResponse[] = [];
  const stream = client.watchCluster(
    { maxIntervalMs: 250 },
    { headers: { authorization: `Bearer ${TOKEN}` }, signal: abort.signal },
  );
  const it = stream[Symbol.asyncIterator]();
  seen.push((await it.next()).value as WatchClusterResponse);
  const secret = await impl.createRoom(create(CreateRoomRequestSchema, { visibility: RoomVisibility.PRIVATE }));
  const listed = await impl.createRoom(
    create(CreateRoomRequestSchema, { visibility: RoomVisibility.PUBLIC, mode: "duel" }),
  );
  // Both allocations have been published; read until a snapshot lists both rooms and both events.
  const allocations = () => seen.flatMap((r) => r.events).filter((e) => e.kind === ClusterEventKind.ROOM_ALLOCATED);
  while (seen.at(-1)!.rooms.length < 2 || allocations().length < 2)
    seen.push((await it.next()).value as WatchClusterResponse);
  abort.abort();

  const last = seen.at(-1)!;
  expect(last.rooms.map((r) => r.roomId).sort()).toEqual(["", listed.roomId].sort());
  expect(last.rooms.find((r) => r.roomId === "")).toMatchObject({ serverId: "gs-eu", maxPlayers: 4 });
  expect(
    allocations()
      .map((e) => e.roomId)
      .sort(),
  ).toEqual(["", listed.roomId].sort());
  expect(JSON.stringify(seen, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(secret.roomId);
  // The store's own copies are untouched.
  expect((await impl.getRoom(create(GetRoomRequestSchema, { roomId: secret.roomId }))).room?.roomId).toBe(
    secret.roomId,
  );
});
