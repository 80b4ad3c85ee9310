import { create } from "@bufbuild/protobuf";
import { GameServerState, RoomState, RoomVisibility } from "../gen/roomgate/v1/common_pb.js";
import {
  AllocateRoomRequestSchema,
  type AttachRequest,
  AttachRequestSchema,
  type AttachResponse,
} from "../gen/roomgate/v1/manager_pb.js";
import { newRoomId } from "../common/ids";
import { silentLogger } from "../common/log";
import { MemoryStore } from "../common/store/memory-store";
import { Manager } from "./manager";
import { ManagerError } from "./errors";

// The Manager core with the in-memory store and scripted game servers; fake timers make the
// health rules (missed reports, sweeps, migration) exact without waiting.

const REPORT_MS = 1000;

class FakeServer {
  readonly sent: AttachResponse[] = [];
  closedWith?: string;
  handler;
  /** What the server answers to open_room: confirm, refuse, or stay silent. */
  onOpen: "confirm" | "refuse" | "ignore" = "confirm";
  /** Rooms it was told to open, with what it was told. */
  readonly opened = new Map<string, { restore: boolean; snapshot: Uint8Array }>();

  constructor(
    manager: Manager,
    readonly id: string,
    readonly region = "eu",
    maxRooms = 10,
    roomIds: string[] = [],
  ) {
    this.handler = manager.attach({
      send: (m) => {
        this.sent.push(m);
        if (m.msg.case === "openRoom") {
          const { roomId, restore, snapshot } = m.msg.value;
          if (this.onOpen === "confirm") this.opened.set(roomId, { restore, snapshot });
          this.answerOpen(roomId);
        }
      },
      close: (reason) => (this.closedWith = reason),
    });
    this.msg({
      case: "register",
      value: {
        serverId: id,
        address: `ws://127.0.0.1:1/${id}`,
        region,
        maxRooms,
        maxPlayers: 1000,
        reportIntervalMs: REPORT_MS,
        roomIds,
      },
    });
  }

  msg(m: AttachRequest["msg"] | { case: string; value: unknown }) {
    this.handler.onMessage(create(AttachRequestSchema, { msg: m as never }));
  }

  report() {
    this.msg({ case: "load", value: { players: 0, rooms: 0 } });
  }

  private answerOpen(roomId: string) {
    if (this.onOpen === "confirm")
      this.msg({ case: "roomEvent", value: { roomId, event: { case: "opened", value: {} } } });
    if (this.onOpen === "refuse")
      this.msg({ case: "roomEvent", value: { roomId, event: { case: "refused", value: { reason: "no" } } } });
  }
}

const request = (over: Partial<{ region: string; maxPlayers: number; requestId: string }> = {}) =>
  create(AllocateRoomRequestSchema, {
    roomId: newRoomId(),
    maxPlayers: 4,
    creatorPlayerId: "p_1",
    firstJoinTimeoutMs: 30_000,
    ...over,
  });

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
const managers: Manager[] = [];

async function newManager(id: string, over: Partial<ConstructorParameters<typeof Manager>[0]> = {}) {
  const m = new Manager({
    store,
    log: silentLogger,
    managerId: id,
    missedReports: 3,
    openRoomTimeoutMs: 500,
    idempotencyTtlMs: 60_000,
    migrationTimeoutMs: 5000,
    maxSnapshotBytes: 64,
    sweepIntervalMs: 100,
    ...over,
  });
  await m.start();
  managers.push(m);
  return m;
}

beforeEach(async () => {
  jest.useFakeTimers();
  store = new MemoryStore();
  manager = await newManager("m1");
});

afterEach(() => {
  for (const m of managers.splice(0)) m.close();
  jest.useRealTimers();
});

/** Keeps servers alive through fake time: each reports every interval. */
async function advance(ms: number, ...alive: FakeServer[]) {
  for (let t = 0; t < ms; t += REPORT_MS / 2) {
    for (const s of alive) s.report();
    await jest.advanceTimersByTimeAsync(Math.min(REPORT_MS / 2, ms - t));
  }
}

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

test("packed placement fills one server before it opens the next", async () => {
  const packed = await newManager("m-packed", { placementStrategy: "packed" });
  new FakeServer(packed, "a", "eu", 3);
  new FakeServer(packed, "b", "eu", 3);
  await settle();
  const placed: string[] = [];
  for (let i = 0; i < 6; i++) placed.push((await packed.allocate(request())).room.serverId);
  // Whichever it starts with, it fills that one (3 rooms) before the other.
  expect(placed.slice(0, 3).every((s) => s === placed[0])).toBe(true);
  expect(placed.slice(3).every((s) => s !== placed[0])).toBe(true);
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
  const [r1, r2] = await Promise.all([
    manager.allocate(request({ requestId: "k" })),
    manager.allocate(request({ requestId: "k" })),
  ]);
  expect(r1.room.roomId).toBe(r2.room.roomId);
  expect([r1.created, r2.created].sort()).toEqual([false, true]);
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

test("one late report is not death; three missed intervals are, and its rooms wait to move", async () => {
  const a = new FakeServer(manager, "a");
  await settle();
  const { room } = await manager.allocate(request());
  await jest.advanceTimersByTimeAsync(REPORT_MS * 2.5); // late, but within three intervals
  a.report();
  await jest.advanceTimersByTimeAsync(REPORT_MS * 2.5);
  expect((await store.getRoom(room.roomId))!.state).toBe(RoomState.OPEN);
  expect(a.closedWith).toBeUndefined();
  await jest.advanceTimersByTimeAsync(REPORT_MS);
  expect(a.closedWith).toMatch(/dead/);
  expect(await store.getServer("a")).toBeUndefined();
  // Nowhere to go yet: it waits (MOVING) until the migration timeout, then it is given up.
  expect(await store.getRoom(room.roomId)).toMatchObject({ state: RoomState.MOVING, serverId: "" });
  await jest.advanceTimersByTimeAsync(5000);
  expect(await store.getRoom(room.roomId)).toBeUndefined();
});

test("the rooms of a dead server move to a live one under the same id, with their last snapshot", async () => {
  const a = new FakeServer(manager, "a", "eu", 10);
  await settle();
  const rooms = [];
  for (let i = 0; i < 3; i++) rooms.push((await manager.allocate(request({ maxPlayers: 5 }))).room);
  a.msg({
    case: "roomEvent",
    value: { roomId: rooms[0]!.roomId, event: { case: "snapshot", value: { snapshot: new Uint8Array([1, 2, 3]) } } },
  });
  a.msg({
    case: "roomEvent",
    value: { roomId: rooms[1]!.roomId, event: { case: "snapshot", value: { snapshot: new Uint8Array(65) } } },
  }); // over the limit
  await settle();
  const b = new FakeServer(manager, "b", "eu", 10);
  await advance(REPORT_MS * 4, b); // a stays silent
  for (const r of rooms) {
    expect(await store.getRoom(r.roomId)).toMatchObject({
      state: RoomState.OPEN,
      serverId: "b",
      migrations: 1,
      maxPlayers: 5,
    });
    expect(b.opened.get(r.roomId)!.restore).toBe(true);
  }
  expect([...b.opened.get(rooms[0]!.roomId)!.snapshot]).toEqual([1, 2, 3]);
  expect(b.opened.get(rooms[1]!.roomId)!.snapshot.byteLength).toBe(0);
  expect(await store.getServer("b")).toMatchObject({ reservedRooms: 3, reservedSeats: 15 });
});

test("a moved room skips a server that will not take it", async () => {
  const a = new FakeServer(manager, "a", "eu", 10);
  await settle();
  const { room } = await manager.allocate(request());
  const bad = new FakeServer(manager, "bad", "eu", 10);
  bad.onOpen = "refuse";
  const good = new FakeServer(manager, "good", "eu", 10);
  a.handler.onEnd();
  await advance(REPORT_MS * 4, bad, good);
  expect(await store.getRoom(room.roomId)).toMatchObject({ state: RoomState.OPEN, serverId: "good" });
  expect(await store.getServer("bad")).toMatchObject({ reservedRooms: 0 });
});

test("a broken stream stops new rooms at once; a server back without its rooms gets them moved, not lost", async () => {
  const a = new FakeServer(manager, "a");
  const b = new FakeServer(manager, "b");
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
  await advance(REPORT_MS * 2, back, b);
  for (const id of onA) expect(await store.getRoom(id)).toMatchObject({ state: RoomState.OPEN, migrations: 1 });
  expect((await store.getServer("a"))!.state).toBe(GameServerState.LIVE);
});

test("a room that closed while no Manager listened is removed, not moved", async () => {
  const a = new FakeServer(manager, "a");
  await settle();
  const { room } = await manager.allocate(request());
  a.handler.onEnd();
  await settle();
  const handler = manager.attach({ send: () => {}, close: () => {} });
  handler.onMessage(
    create(AttachRequestSchema, {
      msg: {
        case: "register",
        value: {
          serverId: "a",
          address: "ws://127.0.0.1:1",
          region: "eu",
          maxRooms: 10,
          maxPlayers: 1000,
          reportIntervalMs: REPORT_MS,
          closedRoomIds: [room.roomId],
        },
      },
    }),
  );
  await settle();
  expect(await store.getRoom(room.roomId)).toBeUndefined();
  expect((await store.getServer("a"))!.reservedRooms).toBe(0);
});

test("a room that closes while the store is down is recorded once it is back", async () => {
  const a = new FakeServer(manager, "a", "eu", 1);
  await settle();
  const { room } = await manager.allocate(request());
  const deleteRoom = store.deleteRoom.bind(store);
  let down = true;
  // Fault injection: the store refuses writes as a Redis outage would.
  store.deleteRoom = async (...args) => {
    if (down) throw new Error("store unavailable");
    return deleteRoom(...args);
  };
  a.msg({ case: "roomEvent", value: { roomId: room.roomId, event: { case: "closed", value: { reason: 1 } } } });
  await settle();
  expect(await store.getRoom(room.roomId)).toBeDefined();
  down = false;
  await advance(300, a);
  expect(await store.getRoom(room.roomId)).toBeUndefined();
  expect((await store.getServer("a"))!.reservedRooms).toBe(0);
});

test("a server that re-registers with its rooms keeps them", async () => {
  const a = new FakeServer(manager, "a");
  await settle();
  const { room } = await manager.allocate(request());
  a.handler.onEnd();
  await settle();
  const again = new FakeServer(manager, "a", "eu", 10, [room.roomId]);
  await advance(REPORT_MS * 4, again);
  expect(await store.getRoom(room.roomId)).toMatchObject({ state: RoomState.OPEN, serverId: "a", migrations: 0 });
  expect((await store.getServer("a"))!.reservedRooms).toBe(1);
});

test("a handed-over room (drain) moves at once and its server stops getting rooms", async () => {
  const a = new FakeServer(manager, "a");
  await settle();
  const { room } = await manager.allocate(request());
  const b = new FakeServer(manager, "b");
  await settle();
  a.msg({ case: "draining", value: {} });
  a.msg({
    case: "roomEvent",
    value: { roomId: room.roomId, event: { case: "closed", value: { reason: 5, snapshot: new Uint8Array([7]) } } },
  });
  await settle();
  expect(await store.getRoom(room.roomId)).toMatchObject({ state: RoomState.OPEN, serverId: "b", migrations: 1 });
  expect([...b.opened.get(room.roomId)!.snapshot]).toEqual([7]);
  for (let i = 0; i < 3; i++) expect((await manager.allocate(request())).room.serverId).toBe("b");
  a.handler.onEnd();
  await settle();
  expect(await store.getServer("a")).toBeUndefined();
});

test("drain: unknown servers are not_found; a connected one is told, through whichever Manager holds it", async () => {
  expect(await kind(manager.drain("nobody"))).toBe("not_found");
  const other = await newManager("m2");
  const a = new FakeServer(other, "a");
  await settle();
  await manager.drain("a");
  await settle();
  expect(a.sent.some((m) => m.msg.case === "drain")).toBe(true);
  expect((await store.getServer("a"))!.state).toBe(GameServerState.DRAINING);
  expect(await kind(manager.allocate(request()))).toBe("unavailable");
});

test("any Manager places rooms on servers attached to another, through the bus", async () => {
  const other = await newManager("m2");
  const a = new FakeServer(other, "a");
  await settle();
  const { room } = await manager.allocate(request());
  expect(room.serverId).toBe("a");
  expect(a.opened.has(room.roomId)).toBe(true);
  expect((await store.getRoom(room.roomId))!.state).toBe(RoomState.OPEN);
});

test("a room placed by a Manager that died before its server answered is reclaimed by another", async () => {
  const a = new FakeServer(manager, "a");
  await settle();
  // What a Manager killed between placing a room and hearing back leaves behind.
  const left = await store.allocateRoom({
    roomId: newRoomId(),
    strategy: "distributed",
    regions: [],
    labels: {},
    excluded: [],
    seats: 4,
    creatorPlayerId: "p",
    idempotencyTtlMs: 1000,
    nowMs: Date.now(),
    openDeadlineMs: Date.now() + 1500,
    holdUntilMs: Date.now() + 1500,
    visibility: RoomVisibility.PRIVATE,
    mode: "",
    metadata: {},
  });
  expect(left.kind).toBe("created");
  expect((await store.getServer("a"))!.reservedRooms).toBe(1);
  await advance(2000, a);
  expect((await store.getServer("a"))!.reservedRooms).toBe(0);
  expect(a.sent.some((m) => m.msg.case === "closeRoom")).toBe(true);
});

// Malformed requests and registrations are refused at the gRPC edge (service.test.ts); the order
// of an Attach stream is the core's own rule.
test("a stream that does not start with register is refused", async () => {
  const closed: string[] = [];
  const h = manager.attach({ send: () => {}, close: (r) => closed.push(r) });
  h.onMessage(create(AttachRequestSchema, { msg: { case: "load", value: {} } }));
  expect(closed[0]).toMatch(/first message/);
});

test("a restarted Manager buries servers that never come back, moves their rooms, and keeps those that do", async () => {
  new FakeServer(manager, "gone");
  new FakeServer(manager, "back");
  await settle();
  const rooms = [];
  for (let i = 0; i < 4; i++) rooms.push((await manager.allocate(request())).room);
  manager.close();
  await jest.advanceTimersByTimeAsync(REPORT_MS * 5); // no Manager for a while: every deadline passes

  const next = await newManager("m2");
  const backRooms = rooms.filter((r) => r.serverId === "back").map((r) => r.roomId);
  const back = new FakeServer(next, "back", "eu", 10, backRooms);
  await advance(REPORT_MS * 4, back);
  expect(await store.getServer("gone")).toBeUndefined();
  for (const r of rooms)
    expect(await store.getRoom(r.roomId)).toMatchObject({
      state: RoomState.OPEN,
      serverId: "back",
      migrations: r.serverId === "back" ? 0 : 1,
    });
  expect((await store.getServer("back"))!.state).toBe(GameServerState.LIVE);
});

test("servers whose Manager is gone and that have not attached again mean unavailable, not full", async () => {
  new FakeServer(manager, "a");
  await settle();
  manager.close();
  await settle();
  const next = await newManager("m2");
  expect(await kind(next.allocate(request()))).toBe("unavailable");
});
