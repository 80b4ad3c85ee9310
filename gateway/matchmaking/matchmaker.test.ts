import { create } from "@bufbuild/protobuf";
import { RoomState, RoomVisibility } from "../../gen/roomgate/v1/common_pb.js";
import {
  CreateRoomRequestSchema,
  JoinOrCreateRequestSchema,
  JoinRoomRequestSchema,
  ListRoomsRequestSchema,
  type CreateRoomRequest,
  type JoinOrCreateRequest,
} from "../../gen/roomgate/v1/gateway_pb.js";
import { AllocateRoomResponseSchema } from "../../gen/roomgate/v1/manager_pb.js";
import { MemoryStore } from "../../common/store/memory-store.js";
import { JoinTokens } from "../../common/token.js";
import { FakeAllocator } from "../../testkit/fake-allocator.js";
import { matchmakerWithDownStore } from "../../testkit/down-store.js";
import { type MatchFailure, MatchError } from "./errors.js";
import { Matchmaker, type MatchmakerOptions } from "./matchmaker.js";

// The matchmaking core alone: the memory store and a fake allocator stand in for Redis and the
// Managers, and no transport is involved.

const tokens = new JoinTokens("s".repeat(32));
/** Every call here comes from one caller; caps are off unless a test turns them on. */
const CALLER = { address: "192.0.2.1" };

async function setUp(o: Partial<MatchmakerOptions> = {}, opensOnToken = false) {
  const store = new MemoryStore();
  const allocator = await FakeAllocator.withServer(store, "eu", undefined, opensOnToken);
  const mm = new Matchmaker({
    store,
    allocator,
    tokens,
    joinTokenTtlMs: 10_000,
    defaultMaxPlayers: 4,
    maxPlayersLimit: 8,
    region: "eu",
    ...o,
  });
  return { store, allocator, mm };
}

const createReq = (init: Parameters<typeof create<typeof CreateRoomRequestSchema>>[1] = {}): CreateRoomRequest =>
  create(CreateRoomRequestSchema, init);
const quickReq = (init: Parameters<typeof create<typeof JoinOrCreateRequestSchema>>[1] = {}): JoinOrCreateRequest =>
  create(JoinOrCreateRequestSchema, { mode: "ffa", ...init });

async function failureOf(p: Promise<unknown>): Promise<MatchFailure | "ok"> {
  try {
    await p;
    return "ok";
  } catch (e) {
    if (e instanceof MatchError) return e.failure;
    throw e;
  }
}

test("CreateRoom places a room in this Gateway's region and signs the creator's ticket", async () => {
  const { allocator, mm } = await setUp();
  const res = await mm.createRoom(createReq({ playerName: "ana" }), CALLER);
  expect(allocator.requests[0]).toMatchObject({
    regions: ["eu"],
    maxPlayers: 4,
    visibility: RoomVisibility.PRIVATE,
    firstJoinTimeoutMs: 10_000,
  });
  const claims = tokens.verify(res.joinToken, { roomId: res.roomId, serverId: "gs-eu" });
  expect(claims).toMatchObject({ playerId: res.playerId, playerName: "ana" });
  expect(res.serverAddress).toBe("ws://eu.test:7001");
});

test("a CreateRoom retried with its request_id is the same player in the same room", async () => {
  const { mm } = await setUp();
  const first = await mm.createRoom(createReq({ requestId: "req-1" }), CALLER);
  const again = await mm.createRoom(createReq({ requestId: "req-1" }), CALLER);
  expect([again.roomId, again.playerId]).toEqual([first.roomId, first.playerId]);
});

test("more seats than this Gateway allows is an invalid request; none asked is the default", async () => {
  const { allocator, mm } = await setUp();
  expect(await failureOf(mm.createRoom(createReq({ maxPlayers: 9 }), CALLER))).toBe("invalid_request");
  expect(await failureOf(mm.joinOrCreate(quickReq({ maxPlayers: 9 }), CALLER))).toBe("invalid_request");
  expect(allocator.requests).toHaveLength(0);
  await mm.createRoom(createReq({ maxPlayers: 0 }), CALLER);
  expect(allocator.requests[0]!.maxPlayers).toBe(4);
});

test("a taken room id is retried once with another id, then reported", async () => {
  const { allocator, mm } = await setUp();
  allocator.scripted.push(new MatchError("room_id_taken", "taken"));
  const res = await mm.createRoom(createReq(), CALLER);
  expect(allocator.requests).toHaveLength(2);
  expect(allocator.requests[1]!.roomId).toBe(res.roomId);
  expect(allocator.requests[0]!.roomId).not.toBe(res.roomId);

  allocator.scripted.push(new MatchError("room_id_taken", "taken"), new MatchError("room_id_taken", "taken again"));
  expect(await failureOf(mm.createRoom(createReq(), CALLER))).toBe("room_id_taken");
  expect(allocator.requests).toHaveLength(4);
});

test("a Manager's own failure reaches the caller as it is; an answer without a room is a bad answer", async () => {
  const { allocator, mm } = await setUp();
  const managerSaid = new Error("no capacity");
  allocator.scripted.push(managerSaid);
  await expect(mm.createRoom(createReq(), CALLER)).rejects.toBe(managerSaid);
  allocator.scripted.push(create(AllocateRoomResponseSchema, {}));
  expect(await failureOf(mm.createRoom(createReq(), CALLER))).toBe("bad_manager_answer");
});

test("JoinRoom holds a seat; a missing, full or opening room is refused by name", async () => {
  const { store, allocator, mm } = await setUp();
  expect(await failureOf(mm.joinRoom(create(JoinRoomRequestSchema, { roomId: "A".repeat(22) }), CALLER))).toBe(
    "room_not_found",
  );
  const room = await mm.createRoom(createReq({ maxPlayers: 2 }), CALLER);
  const joined = await mm.joinRoom(create(JoinRoomRequestSchema, { roomId: room.roomId, playerName: "bo" }), CALLER);
  expect(tokens.verify(joined.joinToken, { roomId: room.roomId })).toMatchObject({
    playerId: joined.playerId,
    playerName: "bo",
  });
  expect(await failureOf(mm.joinRoom(create(JoinRoomRequestSchema, { roomId: room.roomId }), CALLER))).toBe(
    "room_full",
  );

  let open = () => {};
  allocator.opening = new Promise<void>((resolve) => (open = resolve));
  const creating = mm.createRoom(createReq(), CALLER);
  const opening = await allocator.placed;
  expect((await store.getRoom(opening.roomId))!.state).toBe(RoomState.OPENING);
  expect(await failureOf(mm.joinRoom(create(JoinRoomRequestSchema, { roomId: opening.roomId }), CALLER))).toBe(
    "room_not_ready",
  );
  open();
  await creating;
});

test("a rejoin token keeps the player's id within the window; others are refused", async () => {
  const { mm } = await setUp({ rejoinWindowMs: 60_000 });
  const a = await mm.createRoom(createReq({ playerName: "ana" }), CALLER);
  const b = await mm.createRoom(createReq(), CALLER);
  const back = await mm.joinRoom(create(JoinRoomRequestSchema, { roomId: a.roomId, rejoinToken: a.joinToken }), CALLER);
  expect([back.playerId, tokens.verify(back.joinToken).playerName]).toEqual([a.playerId, "ana"]);
  expect(
    await failureOf(mm.joinRoom(create(JoinRoomRequestSchema, { roomId: b.roomId, rejoinToken: a.joinToken }), CALLER)),
  ).toBe("invalid_request");
  const forged = new JoinTokens("f".repeat(32)).sign({
    roomId: a.roomId,
    playerId: "p",
    serverId: "gs-eu",
    playerName: "",
    expireTimeMs: Date.now() + 1000,
  });
  expect(
    await failureOf(mm.joinRoom(create(JoinRoomRequestSchema, { roomId: a.roomId, rejoinToken: forged }), CALLER)),
  ).toBe("rejoin_refused");
  const late = new Matchmaker({
    store: new MemoryStore(),
    allocator: new FakeAllocator(new MemoryStore()),
    tokens,
    joinTokenTtlMs: 1,
    defaultMaxPlayers: 2,
    maxPlayersLimit: 2,
    rejoinWindowMs: 0,
    now: () => Date.now() + 60_000,
  });
  expect(
    await failureOf(
      late.joinRoom(create(JoinRoomRequestSchema, { roomId: a.roomId, rejoinToken: a.joinToken }), CALLER),
    ),
  ).toBe("rejoin_refused");
});

test("a rejoin with a ticket nobody used passes it on as a first ticket and spends it, retried alike; a used one comes back as a rejoin", async () => {
  const { mm, store } = await setUp();
  const a = await mm.createRoom(createReq());
  const join = (rejoinToken: string) => mm.joinRoom(create(JoinRoomRequestSchema, { roomId: a.roomId, rejoinToken }));
  const spend = (token: string) => {
    const c = tokens.verify(token);
    return store.spendToken({
      tokenId: Buffer.from(c.tokenId).toString("base64url"),
      untilMs: Number(c.expireTimeMs),
      nowMs: Date.now(),
    });
  };
  // The room moved before the creator connected: its ticket follows it, once.
  const followed = await join(a.joinToken);
  expect(tokens.verify(followed.joinToken)).toMatchObject({ playerId: a.playerId, rejoin: false });
  expect(await spend(a.joinToken)).toBe(false); // it can open no connection now
  // The same call again (its answer was lost after the store spent the ticket): still a first ticket.
  const retried = await join(a.joinToken);
  expect(tokens.verify(retried.joinToken)).toMatchObject({ playerId: a.playerId, rejoin: false });
  // A ticket a connection used (the game server spent it) brings the player back as a rejoin.
  expect(await spend(followed.joinToken)).toBe(true);
  const back = await join(followed.joinToken);
  expect(tokens.verify(back.joinToken)).toMatchObject({ playerId: a.playerId, rejoin: true });
  expect(tokens.verify(back.joinToken).sessionStartMs).toBe(tokens.verify(a.joinToken).sessionStartMs);
});

test("with a caller, request_id is scoped: another address gets a room of its own", async () => {
  const { mm } = await setUp();
  const one = { address: "10.0.0.1" };
  const two = { address: "10.0.0.2" };
  const mine = await mm.createRoom(createReq({ requestId: "k" }), one);
  expect((await mm.createRoom(createReq({ requestId: "k" }), one)).roomId).toBe(mine.roomId);
  const theirs = await mm.createRoom(createReq({ requestId: "k" }), two);
  expect(theirs.roomId).not.toBe(mine.roomId);
  expect(theirs.playerId).not.toBe(mine.playerId);
  const player = await mm.createRoom(createReq({ requestId: "k" }), {
    address: "10.0.0.1",
    player: { id: "u1", name: "U", claims: {} },
  });
  expect(player.roomId).not.toBe(mine.roomId);
  expect(player.playerId).toBe("u1");
});

test("a rejoin past the session lifetime is refused, however fresh its token", async () => {
  const { mm } = await setUp({ sessionMaxMs: 1_000 });
  const a = await mm.createRoom(createReq());
  const old = tokens.sign({
    roomId: a.roomId,
    playerId: a.playerId,
    serverId: "gs-eu",
    playerName: "",
    expireTimeMs: Date.now() + 10_000,
    sessionStartMs: Date.now() - 1_000,
  });
  const e = await mm.joinRoom(create(JoinRoomRequestSchema, { roomId: a.roomId, rejoinToken: old })).catch((x) => x);
  expect(e).toBeInstanceOf(MatchError);
  expect((e as MatchError).failure).toBe("rejoin_refused");
  expect((e as Error).message).toMatch(/session is over/);
});

test("a burst of 7 quick-joins for rooms of 3 takes turns to create: 3 rooms, none short of players but the last", async () => {
  const { allocator, mm } = await setUp();
  const results = await Promise.all(
    Array.from({ length: 7 }, () => mm.joinOrCreate(quickReq({ maxPlayers: 3 }), CALLER)),
  );
  expect(allocator.requests).toHaveLength(3);
  const perRoom = new Map<string, number>();
  for (const r of results) perRoom.set(r.roomId, (perRoom.get(r.roomId) ?? 0) + 1);
  expect([...perRoom.values()].sort()).toEqual([1, 3, 3]);
  expect(results.filter((r) => r.created)).toHaveLength(3);
  expect(allocator.requests.every((r) => r.visibility === RoomVisibility.PUBLIC && r.mode === "ffa")).toBe(true);
});

test("a quick-join takes a seat in a room that is still opening and waits for it to open", async () => {
  const { store, allocator, mm } = await setUp();
  let open = () => {};
  allocator.opening = new Promise<void>((resolve) => (open = resolve));
  const first = mm.joinOrCreate(quickReq({ maxPlayers: 2 }), CALLER);
  const room = await allocator.placed;
  let seatHeld = () => {};
  const held = new Promise<void>((resolve) => (seatHeld = resolve));
  const joinPublic = store.joinPublic.bind(store);
  store.joinPublic = async (q) => {
    const found = await joinPublic(q);
    if (found) seatHeld();
    return found;
  };
  const second = mm.joinOrCreate(quickReq({ maxPlayers: 2 }), CALLER);
  await held;
  expect((await store.getRoom(room.roomId))!.state).toBe(RoomState.OPENING);
  open();
  const [a, b] = await Promise.all([first, second]);
  expect([a.roomId, a.created, b.roomId, b.created]).toEqual([room.roomId, true, room.roomId, false]);
  expect(allocator.requests).toHaveLength(1);
});

test("while its server has not opened it, every ticket of a room carries what opens it; then none does", async () => {
  const { store, mm } = await setUp({}, true);
  const created = await mm.createRoom(createReq({ maxPlayers: 3, metadata: { map: "dust" } }), CALLER);
  const room = (await store.getRoom(created.roomId))!;
  expect(room.state).toBe(RoomState.OPENING);
  const openUntilMs = BigInt(Number(room.createTime!.seconds) * 1000 + room.createTime!.nanos / 1e6 + 10_000);
  // A relay room never reads its metadata: the token does not carry it.
  const open = { maxPlayers: 3, roomType: "", metadata: {}, openUntilMs };
  expect(tokens.verify(created.joinToken).open).toMatchObject(open);
  // A second player may come first: its ticket opens the room as well.
  const joined = await mm.joinRoom(create(JoinRoomRequestSchema, { roomId: created.roomId }), CALLER);
  expect(tokens.verify(joined.joinToken).open).toMatchObject(open);
  await store.confirmRoom({ roomId: room.roomId, serverId: room.serverId, nowMs: Date.now() });
  const later = await mm.joinRoom(create(JoinRoomRequestSchema, { roomId: created.roomId }), CALLER);
  expect(tokens.verify(later.joinToken).open).toBeUndefined();
});

test("a quick-join takes a seat in a room its server opens on the first token without waiting for it", async () => {
  const { allocator, mm } = await setUp({ openWaitMs: 60_000 }, true);
  const first = await mm.joinOrCreate(quickReq({ maxPlayers: 2 }), CALLER);
  const second = await mm.joinOrCreate(quickReq({ maxPlayers: 2 }), CALLER);
  expect([second.roomId, second.created]).toEqual([first.roomId, false]);
  expect(tokens.verify(second.joinToken).open).toMatchObject({ maxPlayers: 2 });
  expect(allocator.requests).toHaveLength(1);
});

test("ListRooms pages through public rooms with the token of the previous page", async () => {
  const { mm } = await setUp();
  for (let i = 0; i < 5; i++)
    await mm.createRoom(createReq({ visibility: RoomVisibility.PUBLIC, mode: "duel" }), CALLER);
  await mm.createRoom(createReq({ mode: "duel" }), CALLER);
  const seen: string[] = [];
  let pageToken = "";
  do {
    const page = await mm.listRooms(create(ListRoomsRequestSchema, { mode: "duel", pageSize: 2, pageToken }));
    expect(page.rooms.length).toBeLessThanOrEqual(2);
    seen.push(...page.rooms.map((r) => r.roomId));
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  expect(new Set(seen).size).toBe(5);
});

test("a store that fails makes every call store_unavailable", async () => {
  const mm = matchmakerWithDownStore(tokens);
  expect(await failureOf(mm.getRoom("A".repeat(22)))).toBe("store_unavailable");
  expect(await failureOf(mm.joinRoom(create(JoinRoomRequestSchema, { roomId: "A".repeat(22) }), CALLER))).toBe(
    "store_unavailable",
  );
  expect(await failureOf(mm.joinOrCreate(quickReq(), CALLER))).toBe("store_unavailable");
  expect(await failureOf(mm.listRooms(create(ListRoomsRequestSchema, {})))).toBe("store_unavailable");
  await expect(mm.getRoom("A".repeat(22))).rejects.toThrow("room store unavailable: connection lost");
});

test("each caller's rooms nobody joined and seats nobody used are capped, with a retry hint", async () => {
  const { mm } = await setUp({ caps: { maxUnjoinedRooms: 2, maxUnusedSeats: 3 } });
  const room = await mm.createRoom(createReq({ visibility: RoomVisibility.PUBLIC, mode: "ffa" }), CALLER);
  await mm.createRoom(createReq(), CALLER);
  const over = await mm.createRoom(createReq(), CALLER).catch((e: MatchError) => e);
  expect(over).toMatchObject({ failure: "over_cap", retryAfterMs: 10_000 });
  expect((over as MatchError).message).toBe(
    "client cap: at most 2 rooms nobody has joined yet per client; use one, or retry once one lapses (within 10 s)",
  );
  // Two creators' seats and one join: the seat cap (3) is reached for joins and quick-joins too.
  await mm.joinRoom(create(JoinRoomRequestSchema, { roomId: room.roomId }), CALLER);
  expect(await failureOf(mm.joinRoom(create(JoinRoomRequestSchema, { roomId: room.roomId }), CALLER))).toBe("over_cap");
  expect(await failureOf(mm.joinOrCreate(quickReq(), CALLER))).toBe("over_cap");
  // Another caller has caps of its own.
  expect(await failureOf(mm.joinOrCreate(quickReq(), { address: "192.0.2.2" }))).toBe("ok");
});
