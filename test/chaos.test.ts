import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runChaos, SHORT, snapshotIntervalMs } from "../chaos/run-chaos";

const onCluster = process.env.ROOMGATE_TEST_STORE === "cluster";
const storeFault = onCluster ? "SIGKILL a Redis Cluster master" : "restart Redis";
const PARTITIONS = [
  "cut a game server off from every Manager",
  "cut a Manager off from Redis",
  "cut a Gateway off from every Manager",
];
/** The Manager's MISSED_REPORTS, which the chaos run leaves at its default. */
const MISSED_REPORTS = 3;
/**
 * The most movement a partition may cost a player: the moves after the last snapshot that reached
 * a Manager (at most one snapshot interval before the cut) and those the cut-off copy took until
 * it fenced, which it does before its death deadline (MISSED_REPORTS report intervals).
 */
const PARTITION_STATE_LOSS_MS = snapshotIntervalMs(SHORT) + MISSED_REPORTS * SHORT.reportIntervalMs;

// The short chaos run inside `make test`: the faults of `make chaos`, on fewer rooms and shorter
// report intervals, every process on a host of its own (root needed). No room may be lost or
// duplicated, no player may have to rejoin by hand, no client may see an error that is not
// inherent (Redis down, or a CreateRoom through the Gateway cut off from the Managers), and the
// store must end consistent. Under `make test-cluster` the rooms live on a private Redis Cluster
// on loopback, its fault is a master's death, and there are no partitions.

jest.setTimeout(360_000);

test(`a game server killed, a Manager killed, ${storeFault}, a server drained, every server restarted${onCluster ? "" : ", three partitions"}: no room lost or duplicated`, async () => {
  const lines: string[] = [];
  const result = await runChaos({ ...SHORT, store: onCluster ? "cluster" : "redis" }, (m) => lines.push(m));
  // The run's own account, beside the processes' logs (testkit/cluster.ts), when those are kept.
  const logDir = process.env.ROOMGATE_TEST_LOG_DIR;
  if (logDir) writeFileSync(join(logDir, "chaos.log"), `${lines.join("\n")}\n`);
  expect(result.faults.map((f) => f.fault).slice(5)).toEqual(onCluster ? [] : PARTITIONS);
  for (const f of result.faults) {
    // A failure shows each error with its phase, each lost room with why, each duplicate with its servers.
    const outside = f.errors.filter((e) => !e.inherent);
    expect({
      fault: f.fault,
      roomsLost: f.roomsLost,
      lostRooms: f.lostRooms,
      duplicatedRooms: f.duplicatedRooms,
      duplicates: f.duplicates,
      manualRejoins: f.manualRejoins,
      clientErrors: outside,
    }).toEqual({
      fault: f.fault,
      roomsLost: 0,
      lostRooms: [],
      duplicatedRooms: 0,
      duplicates: [],
      manualRejoins: 0,
      clientErrors: [],
    });
    expect(f.clientErrorsNotInherent).toBe(0);
    if (PARTITIONS.includes(f.fault)) {
      const seen = { fault: f.fault, stateLost: f.stateLost, notes: f.notes };
      expect({ ...seen, withinBound: f.stateLost.worstMs <= PARTITION_STATE_LOSS_MS }).toEqual({
        ...seen,
        withinBound: true,
      });
    }
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
  if (!onCluster) {
    // The cut-off server's rooms moved; a Manager cut off from Redis moved nothing and failed nobody.
    expect(result.faults.find((f) => f.fault === PARTITIONS[0])!.roomsMoved).toBeGreaterThan(0);
    const managerCut = result.faults.find((f) => f.fault === PARTITIONS[1])!;
    expect({ moved: managerCut.roomsMoved, errors: managerCut.clientErrors }).toEqual({ moved: 0, errors: 0 });
    // The cut Gateway's failures were its own: the other Gateway served throughout.
    const gatewayCut = result.faults.find((f) => f.fault === PARTITIONS[2])!;
    expect(gatewayCut.errors.filter((e) => e.inherent).every((e) => e.inherent === "Gateway cut off")).toBe(true);
  }
  expect(result.inconsistencies).toEqual([]);
});
