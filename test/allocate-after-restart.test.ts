import { create } from "@bufbuild/protobuf";
import { AllocateRoomRequestSchema } from "../gen/roomgate/v1/manager_pb";
import { newRoomId } from "../common/ids";
import { GrpcRoomAllocator } from "../gateway/manager-client";
import { type LateManager, startLateManager } from "../testkit/late-manager";

// Issue 11: after a Redis restart, CreateRoom failed with "no live game server is attached" while
// every server was live. A Manager's heartbeat key expires while Redis is down, and until that
// Manager writes it again the store treats its servers as unreachable. The Manager holding the
// server here (B) comes back a while after the other (A): meanwhile A must answer with something a
// Gateway retries at another Manager, never with "no server", and once B is back every
// allocation must succeed.

const PREFIX = "restart:";
/** Longer than a Manager's heartbeat lifetime (1 s at the default sweep), so every heartbeat expires. */
const REDIS_DOWN_MS = 1500;
const B_AWAY_MS = 1500;

let late: LateManager | undefined;
let allocator: GrpcRoomAllocator | undefined;

afterAll(async () => {
  allocator?.close();
  await late?.stop();
}, 30_000);

interface Outcome {
  at: number;
  ok: boolean;
  message: string;
}

test("right after a Redis restart a room is placed, or the answer says to retry; never 'no server'", async () => {
  late = await startLateManager({ prefix: PREFIX, reportMs: 500 });
  const { a, b, redis } = late;
  allocator = new GrpcRoomAllocator({
    managerAddress: `127.0.0.1:${a.port},127.0.0.1:${b.port}`,
    timeoutMs: 3000,
  });
  const outcomes: Outcome[] = [];
  const allocate = async () => {
    const at = Date.now();
    try {
      const res = await allocator!.allocateRoom(
        create(AllocateRoomRequestSchema, {
          roomId: newRoomId(),
          maxPlayers: 2,
          creatorPlayerId: "p_1",
          firstJoinTimeoutMs: 30_000,
        }),
      );
      outcomes.push({ at, ok: true, message: res.room?.serverId ?? "" });
    } catch (e) {
      outcomes.push({ at, ok: false, message: (e as Error).message });
    }
  };
  await allocate();
  expect(outcomes[0]).toMatchObject({ ok: true, message: "gs-b" });

  await late.outage();
  await new Promise((r) => setTimeout(r, REDIS_DOWN_MS)); // the outage itself, not a wait for an event
  await redis.restart();

  // Allocations run back to back from the restart until B has been back a while.
  let stop = false;
  const loop = (async () => {
    while (!stop) await allocate();
  })();
  await new Promise((r) => setTimeout(r, B_AWAY_MS)); // B's late reconnect itself
  late.letBBack();
  const bBack = await b.proc.waitFor(
    (l) => l.msg === "room store is back; deadlines start again",
    10_000,
    "B back on the store",
  );
  const bBackAt = Date.parse(String(bBack.time));
  const successesAfter = () => outcomes.filter((o) => o.ok && o.at > bBackAt).length;
  while (successesAfter() < 10 && outcomes.length < 2000) await new Promise((r) => setTimeout(r, 20));
  stop = true;
  await loop;

  const failures = outcomes.filter((o) => !o.ok);
  // Before B is back: the store itself, or servers whose Manager is not heard from (both retryable).
  for (const f of failures) expect(f.message).toMatch(/room store unavailable|not heard from/);
  expect(failures.filter((f) => f.at > bBackAt)).toEqual([]);
  // The case this test is for happened: A was back on the store while B was not.
  expect(failures.some((f) => /not heard from/.test(f.message))).toBe(true);
  expect(successesAfter()).toBeGreaterThanOrEqual(10);
}, 60_000);
