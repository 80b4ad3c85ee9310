import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { RoomState } from "../gen/roomgate/v1/common_pb.js";
import { ClusterEventKind, type ClusterEvent } from "../gen/roomgate/v1/gateway_pb.js";
import {
  type AllocateRoomRequest,
  AllocateRoomRequestSchema,
  AllocateRoomResponseSchema,
} from "../gen/roomgate/v1/manager_pb.js";
import { newRoomId } from "../common/ids.js";
import { silentLogger } from "../common/log.js";
import { roomTypeLabel } from "../common/room-type.js";
import { MemoryStore } from "../common/store/memory-store.js";
import { buildManager, type ManagerServer } from "../manager/server.js";
import { reg } from "../testkit/store-contract.js";
import { GrpcRoomAllocator } from "./manager-client.js";
import { MatchError } from "./matchmaking/errors.js";
import type { RoomAllocator } from "./matchmaking/dependencies.js";
import { StorePlacement } from "./store-placement.js";

// The Gateway placing rooms itself: what it places without a Manager, what it hands to one, and
// that what it refuses is refused exactly as a Manager (a real one, over gRPC) refuses it.

const SETTINGS = { strategy: "distributed", openRoomTimeoutMs: 500, idempotencyTtlMs: 60_000 } as const;

let store: MemoryStore;
/** Requests the Gateway handed to the Managers. */
let handed: AllocateRoomRequest[];
let placement: StorePlacement;

const request = (over: MessageInitShape<typeof AllocateRoomRequestSchema> = {}) =>
  create(AllocateRoomRequestSchema, {
    roomId: newRoomId(),
    maxPlayers: 4,
    creatorPlayerId: "p_ann",
    firstJoinTimeoutMs: 10_000,
    ...over,
  });

/** Servers held by Manager m1, heard from for the test's length. */
async function servers(...regs: Parameters<typeof reg>[]) {
  await store.heartbeat({ managerId: "m1", nowMs: Date.now(), ttlMs: 3_600_000 });
  for (const [id, over] of regs) await store.registerServer({ ...reg(id, over), nowMs: Date.now() });
}

function withManagers(managers: RoomAllocator) {
  return new StorePlacement({ store, managers, settings: SETTINGS, log: silentLogger });
}

beforeEach(() => {
  store = new MemoryStore();
  handed = [];
  placement = withManagers({
    allocateRoom: async (req) => {
      handed.push(req);
      return create(AllocateRoomResponseSchema, {});
    },
    close() {},
  });
});

afterEach(async () => {
  await store.close();
});

test("a room whose server opens on its first token is placed in the store, no Manager asked, and announced", async () => {
  await servers(["tok", { maxRooms: 5, opensOnToken: true }]);
  let announced!: (e: ClusterEvent) => void;
  const event = new Promise<ClusterEvent>((r) => (announced = r));
  const unsubscribe = await store.subscribeEvents(announced);
  const req = request({ requestId: "req-1" });
  const res = await placement.allocateRoom(req);
  expect(handed).toEqual([]);
  expect([res.created, res.room?.serverId, res.room?.state]).toEqual([true, "tok", RoomState.OPENING]);
  expect(await store.getRoom(req.roomId)).toMatchObject({ serverId: "tok", creatorPlayerId: "p_ann" });
  expect(await event).toMatchObject({ kind: ClusterEventKind.ROOM_ALLOCATED, roomId: req.roomId, serverId: "tok" });
  unsubscribe();
  // Its retry (same request id) is a Manager's: the first room may still be opening.
  await placement.allocateRoom(request({ requestId: "req-1" }));
  expect(handed.map((r) => r.requestId)).toEqual(["req-1"]);
});

test("a server that must be asked to open the room, and metadata too large for a token, go to a Manager untouched", async () => {
  await servers(["ask", { maxRooms: 5 }]);
  const asked = request();
  await placement.allocateRoom(asked);
  expect(await store.getRoom(asked.roomId)).toBeUndefined();
  expect(await store.getServer("ask")).toMatchObject({ reservedRooms: 0 });

  await servers(["logic", { maxRooms: 5, opensOnToken: true, labels: { [roomTypeLabel("chess")]: "1" } }]);
  const big = request({ labels: { [roomTypeLabel("chess")]: "1" }, metadata: { board: "x".repeat(600) } });
  await placement.allocateRoom(big);
  expect(await store.getRoom(big.roomId)).toBeUndefined();
  expect(handed.map((r) => r.roomId)).toEqual([asked.roomId, big.roomId]);
});

describe("what it refuses, it refuses as the Manager does", () => {
  let manager: ManagerServer;
  let managers: GrpcRoomAllocator;

  beforeEach(async () => {
    manager = buildManager({
      store,
      log: silentLogger,
      missedReports: 3,
      crashProbeMs: 0,
      ...SETTINGS,
      migrationTimeoutMs: 5000,
      maxSnapshotBytes: 64,
    });
    const port = await manager.listen("127.0.0.1", 0);
    managers = new GrpcRoomAllocator({ managerAddress: `127.0.0.1:${port}`, timeoutMs: 5000 });
  });

  afterEach(async () => {
    managers.close();
    await manager.close();
  });

  /** How the client is told: a MatchError the edge maps, or a Connect code and message. */
  const answer = (p: Promise<unknown>) =>
    p.then(
      () => "placed",
      (e: unknown) =>
        e instanceof MatchError
          ? { failure: e.failure, message: e.message }
          : { code: ConnectError.from(e).code, message: ConnectError.from(e).rawMessage },
    );

  /** The same request through the Gateway's own placement and through the Manager. */
  async function both(over: MessageInitShape<typeof AllocateRoomRequestSchema> = {}) {
    const direct = await answer(placement.allocateRoom(request(over)));
    const viaManager = await answer(managers.allocateRoom(request(over)));
    return { direct, viaManager };
  }

  test("no server, none of a room type, full, over the caller's caps", async () => {
    const none = await both();
    expect(none.direct).toEqual(none.viaManager);
    expect(none.direct).toMatchObject({ message: expect.stringContaining("no live game server") });

    await servers(["tok", { maxRooms: 1, opensOnToken: true }]);
    const typed = await both({ labels: { [roomTypeLabel("chess")]: "1" } });
    expect(typed.direct).toEqual(typed.viaManager);
    expect(typed.direct).toMatchObject({ message: expect.stringContaining('room type "chess"') });

    const owner = { id: "addr:192.0.2.7", maxUnjoinedRooms: 1, maxUnusedSeats: 8 };
    expect(await answer(placement.allocateRoom(request({ owner })))).toBe("placed");
    const capped = await both({ owner });
    expect(capped.direct).toEqual(capped.viaManager);
    expect(capped.direct).toMatchObject({ failure: "over_cap" });

    const full = await both();
    expect(full.direct).toEqual(full.viaManager);
    expect(full.direct).toMatchObject({ message: "every game server is full" });
    expect(handed).toEqual([]);
  });
});
