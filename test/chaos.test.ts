import { runChaos, SHORT } from "../chaos/run-chaos";

const onCluster = process.env.ROOMGATE_TEST_STORE === "cluster";
const storeFault = onCluster ? "SIGKILL a Redis Cluster master" : "restart Redis";

// The short chaos run inside `make test`: the same four faults as `make chaos`, on fewer rooms and
// shorter report intervals. No room may be lost, no player may have to rejoin by hand, no client
// may see an error outside the Redis-down window, and the store must end consistent. Under
// `make test-cluster` the rooms live on a private Redis Cluster, and its fault is a master's death.

jest.setTimeout(240_000);

test(`a game server killed, a Manager killed, ${storeFault}, a server drained, every server restarted: no room lost`, async () => {
  const lines: string[] = [];
  const result = await runChaos({ ...SHORT, store: onCluster ? "cluster" : "redis" }, (m) => lines.push(m));
  for (const f of result.faults) {
    // Every client error counts except those overlapping the Redis-down window (nothing is placed
    // without the store); a failure shows each error with its phase and each lost room with why.
    const outside = f.errors.filter((e) => !e.redisDown);
    expect({
      fault: f.fault,
      roomsLost: f.roomsLost,
      lostRooms: f.lostRooms,
      manualRejoins: f.manualRejoins,
      clientErrors: outside,
    }).toEqual({ fault: f.fault, roomsLost: 0, lostRooms: [], manualRejoins: 0, clientErrors: [] });
    expect(f.clientErrorsOutsideRedisDown).toBe(0);
  }
  // Only the store's fault has a Redis-down window.
  expect(result.faults.filter((f) => f.redisDownMs).map((f) => f.fault)).toEqual([storeFault]);
  // A killed or drained server's rooms really moved (the faults hit rooms with players in them).
  expect(result.faults.find((f) => f.fault.startsWith("SIGKILL a game"))!.roomsMoved).toBeGreaterThan(0);
  expect(result.faults.find((f) => f.fault.startsWith("drain"))!.roomsMoved).toBeGreaterThan(0);
  // A rolling restart moves every room (each server it was on restarted), and new traffic never noticed.
  const rolling = result.faults.find((f) => f.fault.startsWith("rolling"))!;
  expect(rolling.roomsMoved).toBe(SHORT.rooms);
  expect(rolling.clientErrors).toBe(0);
  // The Gateways hid the Manager's death from new traffic.
  expect(result.faults.find((f) => f.fault === "SIGKILL a Manager")!.clientErrors).toBe(0);
  expect(result.inconsistencies).toEqual([]);
});
