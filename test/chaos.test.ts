import { runChaos, SHORT } from "../chaos/run-chaos";

// The short chaos run inside `make test`: the same four faults as `make chaos`, on fewer rooms and
// shorter report intervals. No room may be lost, no player may have to rejoin by hand, and the
// store must end consistent.

jest.setTimeout(240_000);

test("a game server killed, a Manager killed, Redis restarted, a server drained, every server restarted: no room lost", async () => {
  const lines: string[] = [];
  const result = await runChaos(SHORT, (m) => lines.push(m));
  for (const f of result.faults) {
    expect({ fault: f.fault, roomsLost: f.roomsLost, manualRejoins: f.manualRejoins }).toEqual({ fault: f.fault, roomsLost: 0, manualRejoins: 0 });
  }
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
