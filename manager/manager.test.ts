import { create } from "@bufbuild/protobuf";
import { GameServerState } from "../gen/roomgate/v1/common_pb.js";
import { AllocateRoomRequestSchema, type AttachRequest, AttachRequestSchema, type AttachResponse } from "../gen/roomgate/v1/manager_pb.js";
import { newRoomId } from "../common/ids";
import { silentLogger } from "../common/log";
import { MemoryStore } from "../common/store/memory-store";
import { Manager } from "./manager";
import { ManagerError } from "./errors";

// The Manager core with the in-memory store and scripted game servers; fake timers make the
// health rules (missed reports) exact without waiting.

const REPORT_MS = 1000;

class FakeServer {
  readonly sent: AttachResponse[] = [];
  closedWith?: string;
  handler;
  /** What the server answers to open_room: confirm, refuse, or stay silent. */
  onOpen: "confirm" | "refuse" | "ignore" = "confirm";

  constructor(manager: Manager, readonly id: string, readonly region = "eu", maxRooms = 10) {
    this.handler = manager.attach({
      send: (m) => {
        this.sent.push(m);
        if (m.msg.case === "openRoom") this.answerOpen(m.msg.value.roomId);
      },
      close: (reason) => (this.closedWith = reason),
    });
    this.msg({ case: "register", value: { serverId: id, address: `ws://127.0.0.1:1/${id}`, region, maxRooms, maxPlayers: 1000, reportIntervalMs: REPORT_MS } });
  }

  msg(m: AttachRequest["msg"] | { case: string; value: unknown }) {
    this.handler.onMessage(create(AttachRequestSchema, { msg: m as never }));
  }

  report() {
    this.msg({ case: "load", value: { players: 0, rooms: 0 } });
  }

  private answerOpen(roomId: string) {
    if (this.onOpen === "confirm") this.msg({ case: "roomEvent", value: { roomId, event: { case: "opened", value: {} } } });
    if (this.onOpen === "refuse") this.msg({ case: "roomEvent", value: { roomId, event: { case: "refused", value: { reason: "no" } } } });
  }
}

const request = (over: Partial<{ region: string; maxPlayers: number; requestId: string }> = {}) =>
  create(AllocateRoomRequestSchema, { roomId: newRoomId(), maxPlayers: 4, creatorPlayerId: "p_1", firstJoinTimeoutMs: 30_000, ...over });

async function kind(p: Promise<unknown>) {
  try {
    await p;
    return "ok";
  } catch (e) {
    return e instanceof ManagerError ? e.kind : String(e);
  }
}

let store: MemoryStore;
let manager: Manager;

beforeEach(() => {
  jest.useFakeTimers();
  store = new MemoryStore();
  manager = new Manager({ store, log: silentLogger, missedReports: 3, openRoomTimeoutMs: 500, idempotencyTtlMs: 60_000 });
});

afterEach(() => {
  manager.close();
  jest.useRealTimers();
});

const settle = () => jest.advanceTimersByTimeAsync(0);

test("no servers: unavailable; all full: resource_exhausted", async () => {
  expect(await kind(manager.allocate(request()))).toBe("unavailable");
  new FakeServer(manager, "a", "eu", 1);
  await settle();
  expect(await kind(manager.allocate(request()))).toBe("ok");
  expect(await kind(manager.allocate(request()))).toBe("resource_exhausted");
});

test("spreads rooms over servers, least loaded first", async () => {
  new FakeServer(manager, "a");
  new FakeServer(manager, "b");
  await settle();
  const placed: string[] = [];
  for (let i = 0; i < 6; i++) placed.push((await manager.allocate(request())).room.serverId);
  expect(placed.filter((s) => s === "a")).toHaveLength(3);
  expect(placed.filter((s) => s === "b")).toHaveLength(3);
});

test("prefers the asked region and falls back to others", async () => {
  new FakeServer(manager, "eu-1", "eu", 1);
  new FakeServer(manager, "us-1", "us", 5);
  await settle();
  expect((await manager.allocate(request({ region: "eu" }))).room.serverId).toBe("eu-1");
  expect((await manager.allocate(request({ region: "eu" }))).room.serverId).toBe("us-1");
});

test("a server that refuses or stays silent is skipped and its reservation released", async () => {
  const bad = new FakeServer(manager, "bad");
  bad.onOpen = "refuse";
  const slow = new FakeServer(manager, "slow");
  slow.onOpen = "ignore";
  new FakeServer(manager, "good");
  await settle();
  const p = manager.allocate(request());
  await jest.advanceTimersByTimeAsync(1100);
  expect((await p).room.serverId).toBe("good");
  const servers = Object.fromEntries((await store.listServers()).map((s) => [s.id, s]));
  expect(servers.bad!.reservedRooms).toBe(0);
  expect(servers.slow!.reservedRooms).toBe(0);
  expect(servers.good!.reservedRooms).toBe(1);
});

test("the same request_id returns the same room", async () => {
  new FakeServer(manager, "a");
  await settle();
  const [r1, r2] = await Promise.all([manager.allocate(request({ requestId: "k" })), manager.allocate(request({ requestId: "k" }))]);
  expect(r1.room.roomId).toBe(r2.room.roomId);
  expect([r1.created, r2.created].sort()).toEqual([false, true]);
});

test("invalid requests are refused before touching the store", async () => {
  expect(await kind(manager.allocate(create(AllocateRoomRequestSchema, { roomId: "short", maxPlayers: 4 })))).toBe("invalid_argument");
  expect(await kind(manager.allocate(request({ maxPlayers: 0 })))).toBe("invalid_argument");
});

test("a closed room frees its capacity at once", async () => {
  const a = new FakeServer(manager, "a", "eu", 1);
  await settle();
  const { room } = await manager.allocate(request());
  expect(await kind(manager.allocate(request()))).toBe("resource_exhausted");
  a.msg({ case: "roomEvent", value: { roomId: room.roomId, event: { case: "closed", value: { reason: 1 } } } });
  await settle();
  expect(await store.getRoom(room.roomId)).toBeUndefined();
  expect(await kind(manager.allocate(request()))).toBe("ok");
});

test("one late report is not death; three missed intervals are", async () => {
  const a = new FakeServer(manager, "a");
  await settle();
  const { room } = await manager.allocate(request());
  await jest.advanceTimersByTimeAsync(REPORT_MS * 2.5); // late, but within three intervals
  a.report();
  await jest.advanceTimersByTimeAsync(REPORT_MS * 2.5);
  expect(await store.getRoom(room.roomId)).toBeDefined();
  expect(a.closedWith).toBeUndefined();
  await jest.advanceTimersByTimeAsync(REPORT_MS);
  expect(a.closedWith).toMatch(/missed/);
  expect(await store.getRoom(room.roomId)).toBeUndefined();
  expect(await store.getServer("a")).toBeUndefined();
});

test("a broken stream stops new rooms at once; a server back without its rooms loses their mappings", async () => {
  const a = new FakeServer(manager, "a");
  new FakeServer(manager, "b");
  await settle();
  const rooms = [];
  for (let i = 0; i < 4; i++) rooms.push((await manager.allocate(request())).room);
  const onA = rooms.filter((r) => r.serverId === "a").map((r) => r.roomId);
  a.handler.onEnd();
  await settle();
  expect((await store.getServer("a"))!.state).toBe(GameServerState.SUSPECT);
  for (let i = 0; i < 3; i++) expect((await manager.allocate(request())).room.serverId).toBe("b");
  // It comes back within the deadline, but restarted: it runs none of its old rooms.
  const back = new FakeServer(manager, "a");
  back.report();
  await settle();
  await jest.advanceTimersByTimeAsync(REPORT_MS * 2);
  for (const id of onA) expect(await store.getRoom(id)).toBeUndefined();
  expect((await store.getServer("a"))!.state).toBe(GameServerState.LIVE);
});

test("a server that re-registers with its rooms keeps them", async () => {
  const a = new FakeServer(manager, "a");
  await settle();
  const { room } = await manager.allocate(request());
  a.handler.onEnd();
  await settle();
  const handler = manager.attach({ send: () => {}, close: () => {} });
  handler.onMessage(
    create(AttachRequestSchema, {
      msg: { case: "register", value: { serverId: "a", address: "ws://127.0.0.1:1", region: "eu", maxRooms: 10, maxPlayers: 1000, reportIntervalMs: REPORT_MS, roomIds: [room.roomId] } },
    }),
  );
  await settle();
  await jest.advanceTimersByTimeAsync(REPORT_MS * 2);
  expect(await store.getRoom(room.roomId)).toBeDefined();
  expect((await store.getServer("a"))!.reservedRooms).toBe(1);
});

test("registration with a bad address is refused", async () => {
  const closed: string[] = [];
  const h = manager.attach({ send: () => {}, close: (r) => closed.push(r) });
  h.onMessage(create(AttachRequestSchema, { msg: { case: "register", value: { serverId: "x", address: "http://nope", maxRooms: 1, maxPlayers: 1, reportIntervalMs: 1000 } } }));
  expect(closed[0]).toMatch(/ws:\/\//);
  const h2 = manager.attach({ send: () => {}, close: (r) => closed.push(r) });
  h2.onMessage(create(AttachRequestSchema, { msg: { case: "load", value: {} } }));
  expect(closed[1]).toMatch(/first message/);
});

test("a restarted Manager buries servers that never come back, and keeps those that do", async () => {
  new FakeServer(manager, "gone");
  new FakeServer(manager, "back");
  await settle();
  const rooms = [];
  for (let i = 0; i < 4; i++) rooms.push((await manager.allocate(request())).room);
  manager.close();

  const next = new Manager({ store, log: silentLogger, missedReports: 3, openRoomTimeoutMs: 500, idempotencyTtlMs: 60_000 });
  expect(await next.recover()).toBe(2);
  expect((await store.getServer("gone"))!.state).toBe(GameServerState.SUSPECT);
  const h = next.attach({ send: () => {}, close: () => {} });
  const backRooms = rooms.filter((r) => r.serverId === "back").map((r) => r.roomId);
  h.onMessage(
    create(AttachRequestSchema, {
      msg: { case: "register", value: { serverId: "back", address: "ws://127.0.0.1:1", region: "eu", maxRooms: 10, maxPlayers: 1000, reportIntervalMs: REPORT_MS, roomIds: backRooms } },
    }),
  );
  for (let i = 0; i < 4; i++) {
    await jest.advanceTimersByTimeAsync(REPORT_MS);
    h.onMessage(create(AttachRequestSchema, { msg: { case: "load", value: {} } }));
  }
  expect(await store.getServer("gone")).toBeUndefined();
  for (const r of rooms) expect(!!(await store.getRoom(r.roomId))).toBe(r.serverId === "back");
  expect((await store.getServer("back"))!.state).toBe(GameServerState.LIVE);
  next.close();
});

test("servers adopted after a restart but not yet attached mean unavailable, not full", async () => {
  new FakeServer(manager, "a");
  await settle();
  manager.close();
  const next = new Manager({ store, log: silentLogger, missedReports: 3, openRoomTimeoutMs: 500, idempotencyTtlMs: 60_000 });
  await next.recover();
  expect(await kind(next.allocate(request()))).toBe("unavailable");
  next.close();
});
