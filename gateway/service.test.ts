import { create } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createClient,
  createContextValues,
  createHandlerContext,
  createRouterTransport,
} from "@connectrpc/connect";
import { ViolationsSchema } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import {
  CreateRoomRequestSchema,
  GatewayService,
  GetRoomRequestSchema,
  JoinRoomRequestSchema,
} from "../gen/roomgate/v1/gateway_pb.js";
import { RoomVisibility } from "../gen/roomgate/v1/common_pb.js";
import { AllocateRoomResponseSchema } from "../gen/roomgate/v1/manager_pb.js";
import { MemoryStore } from "../common/store/memory-store.js";
import { JoinTokens } from "../common/token.js";
import { FakeAllocator } from "../testkit/fake-allocator.js";
import { MatchError } from "./matchmaking/errors.js";
import { Matchmaker } from "./matchmaking/matchmaker.js";
import { matchmakerWithDownStore } from "../testkit/down-store.js";
import { routes } from "./routes.js";
import { clientKey } from "./client-address.js";
import { GatewayServiceImpl } from "./service.js";
import { AdminToken } from "../common/admin-token.js";
import { validationInterceptor } from "./validation.js";
import { codeOf } from "../test/harness/codes.js";

// The Gateway's edge in the connect-es test tiers: the service class called directly, then its
// routes over the in-memory router transport with the validation interceptor. The real server on
// port 0 is in web.test.ts and listener.test.ts, the whole cluster in test/.

const tokens = new JoinTokens("s".repeat(32));
const regionGateways = [{ region: "eu", url: "https://eu.example.com" }];
const admin = new AdminToken("a".repeat(16));

/** The context a handler gets, for calls made straight to the class (one client address). */
const ctx = (method: "createRoom" | "joinRoom") =>
  createHandlerContext({
    service: GatewayService,
    method: GatewayService.method[method],
    protocolName: "connect",
    requestMethod: "POST",
    url: `http://gateway.test/${GatewayService.typeName}/${GatewayService.method[method].name}`,
    contextValues: createContextValues().set(clientKey, "192.0.2.1"),
  });

async function setUp() {
  const store = new MemoryStore();
  const allocator = await FakeAllocator.withServer(store, "eu");
  const matchmaker = new Matchmaker({
    store,
    allocator,
    tokens,
    joinTokenTtlMs: 10_000,
    defaultMaxPlayers: 2,
    maxPlayersLimit: 8,
    region: "eu",
  });
  const impl = new GatewayServiceImpl({ matchmaker, cluster: store, admin, region: "eu", regionGateways });
  return { store, allocator, impl };
}

describe("the service class, called directly", () => {
  test("each way the core fails has its status code", async () => {
    const { allocator, impl } = await setUp();
    const missing = create(JoinRoomRequestSchema, { roomId: "A".repeat(22) });
    expect(await codeOf(impl.joinRoom(missing, ctx("joinRoom")))).toBe("NotFound");
    expect(await codeOf(impl.getRoom(create(GetRoomRequestSchema, { roomId: "A".repeat(22) })))).toBe("NotFound");
    expect(await codeOf(impl.createRoom(create(CreateRoomRequestSchema, { maxPlayers: 9 }), ctx("createRoom")))).toBe(
      "InvalidArgument",
    );

    const room = await impl.createRoom(create(CreateRoomRequestSchema, {}), ctx("createRoom"));
    await impl.joinRoom(create(JoinRoomRequestSchema, { roomId: room.roomId }), ctx("joinRoom"));
    expect(await codeOf(impl.joinRoom(create(JoinRoomRequestSchema, { roomId: room.roomId }), ctx("joinRoom")))).toBe(
      "ResourceExhausted",
    );
    const forged = new JoinTokens("f".repeat(32)).sign({
      roomId: room.roomId,
      playerId: "p",
      serverId: "gs-eu",
      playerName: "",
      expireTimeMs: Date.now() + 1000,
    });
    expect(
      await codeOf(
        impl.joinRoom(create(JoinRoomRequestSchema, { roomId: room.roomId, rejoinToken: forged }), ctx("joinRoom")),
      ),
    ).toBe("Unauthenticated");

    let open = () => {};
    allocator.opening = new Promise<void>((resolve) => (open = resolve));
    const creating = impl.createRoom(create(CreateRoomRequestSchema, {}), ctx("createRoom"));
    const opening = await allocator.placed;
    expect(
      await codeOf(impl.joinRoom(create(JoinRoomRequestSchema, { roomId: opening.roomId }), ctx("joinRoom"))),
    ).toBe("Unavailable");
    open();
    await creating;

    allocator.scripted.push(new MatchError("room_id_taken", "taken"), new MatchError("room_id_taken", "taken"));
    expect(await codeOf(impl.createRoom(create(CreateRoomRequestSchema, {}), ctx("createRoom")))).toBe("AlreadyExists");
    allocator.scripted.push(create(AllocateRoomResponseSchema, {}));
    expect(await codeOf(impl.createRoom(create(CreateRoomRequestSchema, {}), ctx("createRoom")))).toBe("Internal");
  });

  test("a Manager's status reaches the client unchanged", async () => {
    const { allocator, impl } = await setUp();
    allocator.scripted.push(new ConnectError("no live game servers", Code.Unavailable));
    const err = ConnectError.from(
      await impl.createRoom(create(CreateRoomRequestSchema, {}), ctx("createRoom")).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect([err.code, err.rawMessage]).toEqual([Code.Unavailable, "no live game servers"]);
  });

  test("a store that fails is unavailable, with the reason", async () => {
    const matchmaker = matchmakerWithDownStore(tokens);
    const impl = new GatewayServiceImpl({ matchmaker, cluster: new MemoryStore(), admin });
    const err = ConnectError.from(
      await impl.getRoom(create(GetRoomRequestSchema, { roomId: "A".repeat(22) })).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect([err.code, err.rawMessage]).toEqual([Code.Unavailable, "room store unavailable: connection lost"]);
  });

  test("ListRegions answers this Gateway's region and every region's Gateway", async () => {
    const { impl } = await setUp();
    expect(await impl.listRegions()).toMatchObject({ region: "eu", regions: regionGateways });
  });
});

describe("the routes over the in-memory transport", () => {
  async function client() {
    const env = await setUp();
    const transport = createRouterTransport(routes(env.impl), { router: { interceptors: [validationInterceptor()] } });
    return { ...env, gw: createClient(GatewayService, transport) };
  }

  test("create, join and look up a room", async () => {
    const { gw } = await client();
    const created = await gw.createRoom({ playerName: "ana", maxPlayers: 3 });
    const joined = await gw.joinRoom({ roomId: created.roomId, playerName: "bo" });
    expect(tokens.verify(joined.joinToken, { roomId: created.roomId })).toMatchObject({
      playerId: joined.playerId,
      playerName: "bo",
    });
    expect((await gw.getRoom({ roomId: created.roomId })).room).toMatchObject({
      roomId: created.roomId,
      maxPlayers: 3,
      region: "eu",
    });
  });

  test("requests that break gateway.proto's rules never reach the core", async () => {
    const { gw, allocator } = await client();
    const err = ConnectError.from(
      await gw.createRoom({ region: "not a region!" }).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.findDetails(ViolationsSchema)[0]!.violations.map((v) => v.ruleId)).toEqual(["name.pattern"]);
    expect(await codeOf(gw.joinRoom({ roomId: "short" }))).toBe("InvalidArgument");
    expect(allocator.requests).toHaveLength(0);
  });

  test("ListRooms takes back only the page tokens it hands out (the rule in gateway.proto)", async () => {
    const { gw } = await client();
    for (let i = 0; i < 3; i++) await gw.createRoom({ visibility: RoomVisibility.PUBLIC, mode: "duel" });
    const first = await gw.listRooms({ mode: "duel", pageSize: 2 });
    expect(first.rooms).toHaveLength(2);
    const second = await gw.listRooms({ mode: "duel", pageSize: 2, pageToken: first.nextPageToken });
    expect(second.rooms).toHaveLength(1);
    expect(second.nextPageToken).toBe("");
    for (const forged of [
      "forged",
      Buffer.from(first.nextPageToken).toString("base64url"),
      `${first.nextPageToken}x`,
    ]) {
      const err = ConnectError.from(
        await gw.listRooms({ pageToken: forged }).then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      expect([err.code, err.rawMessage]).toEqual([
        Code.InvalidArgument,
        "page_token: is not one ListRooms returned [page_token]",
      ]);
    }
  });
});
