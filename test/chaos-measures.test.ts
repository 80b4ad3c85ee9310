import { type Connection, duplicates, Moves } from "../chaos/copies";

// The chaos run's measures of a partition, on made-up histories: which rooms count as
// duplicated, and how much acknowledged movement a restored copy lacks.

const conn = (serverId: string, welcomedAt: number, relayedSentAt: number[]): Connection => ({
  serverId,
  welcomedAt,
  relayedSentAt,
});

/** The room opened on A at 0, then on B at 1000 (the store's events). */
const AB = [
  { at: 0, serverId: "A" },
  { at: 1000, serverId: "B" },
];

test("a copy that relays an update sent after the room opened elsewhere is one duplicate, however many players saw it", () => {
  const found = duplicates({
    roomId: "r",
    openings: AB,
    connections: [conn("A", 10, [500, 900, 1100]), conn("A", 20, [950, 1300])],
  });
  expect(found).toEqual([{ roomId: "r", oldServer: "A", newServer: "B", openedElsewhereAt: 1000, lastTakenAt: 1300 }]);
});

test("a player welcomed by another server opens the room there, even when the store's event is missing", () => {
  const found = duplicates({
    roomId: "r",
    openings: [{ at: 0, serverId: "A" }],
    connections: [conn("A", 10, [1200]), conn("B", 1100, [1150])],
  });
  expect(found).toEqual([{ roomId: "r", oldServer: "A", newServer: "B", openedElsewhereAt: 1100, lastTakenAt: 1200 }]);
});

test("not a duplicate: an old copy that stopped before the move, and a room that came back to a server it had left", () => {
  expect(
    duplicates({
      roomId: "r",
      openings: AB,
      // The drained copy's last update was sent before the room opened on B.
      connections: [conn("A", 10, [900, 990]), conn("B", 1050, [1100, 1200])],
    }),
  ).toEqual([]);
  expect(
    duplicates({
      roomId: "r",
      openings: [...AB, { at: 2000, serverId: "A" }],
      // The second copy on A is the room's latest: its updates after 2000 are the room's own.
      connections: [conn("A", 10, [900]), conn("B", 1010, [1500, 1900]), conn("A", 2010, [2100, 2500])],
    }),
  ).toEqual([]);
});

test("state lost: the acked moves after the restored one, and the stretch of movement they span", () => {
  const m = new Moves();
  for (let tick = 1; tick <= 10; tick++) m.sent(tick, 1000 + tick * 100);
  m.acked = 8;
  expect(m.loss(5)).toEqual({ updates: 3, ms: 300 });
  expect(m.ackedSpanMs()).toBe(700);
  expect(m.loss(8)).toEqual({ updates: 0, ms: 0 });
  expect(m.loss(10)).toEqual({ updates: 0, ms: 0 });
  // Nothing of this player's in the copy: every acked move is lost.
  expect(m.loss(undefined)).toEqual({ updates: 8, ms: 700 });
  // Ticks are global: a player that was away skips some; only its own moves count.
  const gaps = new Moves();
  for (const tick of [1, 2, 3, 7, 8, 9]) gaps.sent(tick, tick * 100);
  gaps.acked = 9;
  expect(gaps.loss(2)).toEqual({ updates: 4, ms: 700 });
  expect(gaps.sentAt(5)).toBeUndefined();
});
