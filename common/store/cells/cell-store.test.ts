import { slotOf } from "./slot";
import { reg } from "../../../testkit/store-contract";
import { redisClusterUrl, uniquePrefix } from "../../../testkit/test-redis";
import { connectCluster } from "../cluster-connection";
import { cellOfRoom, inCell } from "./cell-code";
import { CellStore } from "./cell-store";

// What only the cell store does, on the run's Redis Cluster: how servers are put in cells, and
// how the cells spread over the masters. (The store contract suites run over it as well.)

let store: CellStore;
beforeEach(() => {
  store = new CellStore({
    redis: connectCluster(redisClusterUrl()),
    keyPrefix: uniquePrefix("cells"),
    maxServersPerCell: 2,
    replication: { replicas: 0, timeoutMs: 0 },
  });
});
afterEach(() => store.close());

/** How many of the cells each master holds (by the cells' hash slots), in the masters' order of first sight. */
function perMaster(s: CellStore, cells: number[]): number[] {
  const count = new Map<string, number>();
  for (const n of cells) {
    const owner = s.redis.slots[slotOf(`{c${n}}`)]![0]!;
    count.set(owner, (count.get(owner) ?? 0) + 1);
  }
  return [...count.values()];
}

test("a region's servers fill a cell up to the cap, then the region gets another; a labelled server goes where it says", async () => {
  for (const id of ["eu-a", "eu-b", "eu-c", "us-a"]) await store.registerServer(reg(id, { region: id.slice(0, 2) }));
  await store.registerServer(reg("ops", { region: "eu", labels: { cell: "4000" } }));
  const cell = (id: string) => store.map.serverCell(id);
  expect(await cell("eu-a")).toBe(await cell("eu-b"));
  expect(await cell("eu-c")).not.toBe(await cell("eu-a"));
  expect(await cell("us-a")).not.toBe(await cell("eu-a"));
  expect(await cell("us-a")).not.toBe(await cell("eu-c"));
  expect(await cell("ops")).toBe(4000);
  // Registering again keeps the cell; a bad label is refused before anything is written.
  await store.registerServer(reg("eu-a"));
  expect(await cell("eu-a")).toBe(await cell("eu-b"));
  await expect(store.registerServer(reg("bad", { labels: { cell: "9999" } }))).rejects.toThrow(/cell/);
  await expect(store.registerServer(reg("bad", { labels: { cell: "x" } }))).rejects.toThrow(/cell/);
  expect(await cell("bad")).toBeUndefined();
});

test("new cells spread evenly over the masters", async () => {
  for (let i = 0; i < 12; i++) await store.registerServer(reg(`s${i}`, { region: `r${i}` }));
  expect(
    perMaster(
      store,
      (await store.map.all()).map((c) => c.cell),
    ),
  ).toEqual([4, 4, 4]);
});

test("new cells spread over the masters when they are made at once, through several stores", async () => {
  // Two Managers' stores on one key space, each registering servers concurrently: every claim
  // sees the counts as they are in Redis, not as its own cache last had them.
  const keyPrefix = uniquePrefix("cells-race");
  const stores = [0, 1].map(
    () =>
      new CellStore({
        redis: connectCluster(redisClusterUrl()),
        keyPrefix,
        maxServersPerCell: 1,
        replication: { replicas: 0, timeoutMs: 0 },
      }),
  );
  try {
    // Both see the slot map (and no cells) before the race.
    for (const s of stores) await s.map.all();
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => stores[i % 2]!.registerServer(reg(`s${i}`, { region: "eu" }))),
    );
    expect(perMaster(stores[0]!, await stores[0]!.map.numbers())).toEqual([2, 2, 2]);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
});

test("a removed server leaves its cell: its place goes to the next server", async () => {
  const a = await store.registerServer(reg("a"));
  await store.registerServer(reg("b"));
  const full = await store.map.serverCell("a");
  expect(await store.removeServer({ id: "a", epoch: a.epoch, nowMs: 10_000 })).toEqual({ moving: [], dropped: [] });
  expect(await store.map.serverCell("a")).toBeUndefined();
  await store.registerServer(reg("c"));
  expect(await store.map.serverCell("c")).toBe(full);
});

test("a cell that lost every server takes the region's next one before a cell with room (its rooms can only move within it)", async () => {
  const epochs = new Map<string, number>();
  for (const id of ["a", "b", "c", "d"]) epochs.set(id, (await store.registerServer(reg(id))).epoch);
  const first = await store.map.serverCell("a");
  const second = await store.map.serverCell("c");
  expect(second).not.toBe(first);
  // The first cell keeps one server (it has room for another); the second loses both.
  for (const id of ["a", "c", "d"]) await store.removeServer({ id, epoch: epochs.get(id)!, nowMs: 10_000 });
  await store.registerServer(reg("e"));
  expect(await store.map.serverCell("e")).toBe(second);
  await store.registerServer(reg("f"));
  expect(await store.map.serverCell("f")).toBe(first);
});

test("an id naming a cell that holds no such room is simply not found", async () => {
  await store.registerServer(reg("a"));
  const id = inCell("x".repeat(22), 4095);
  expect(cellOfRoom(id)).toBe(4095);
  expect(await store.getRoom(id)).toBeUndefined();
  expect(await store.holdSeat({ roomId: id, playerId: "p", untilMs: 1, nowMs: 0, rejoin: false })).toEqual({
    kind: "missing",
  });
  expect(await store.deleteRoom(id)).toBe(false);
  expect(cellOfRoom("short")).toBeUndefined();
  expect(await store.getRoom("not a room id at all!!")).toBeUndefined();
});

test("a server buried in one cell and registered again into another gets an epoch no life of any cell had", async () => {
  const first = await store.registerServer(reg("a", { labels: { cell: "10" } }));
  // Another cell's own registrations, which a per-cell counter would have numbered from 1 as well.
  const others = [];
  for (const id of ["b", "c"]) others.push((await store.registerServer(reg(id, { labels: { cell: "11" } }))).epoch);
  expect(await store.removeServer({ id: "a", epoch: first.epoch, nowMs: 5000 })).toBeDefined();
  const again = await store.registerServer(reg("a", { labels: { cell: "11" } }));
  expect(await store.map.serverCell("a")).toBe(11);
  expect(new Set([first.epoch, ...others, again.epoch]).size).toBe(4);
  // The buried life's late messages find nothing of the new one.
  expect(await store.recordLoad({ id: "a", epoch: first.epoch, players: 1, nowMs: 5000, expiresAtMs: 9000 })).toBe(
    false,
  );
});

/** How many WAITs the master serving `cell` has run (INFO commandstats). */
async function waitsOn(s: CellStore, cell: number): Promise<number> {
  const owner = s.redis.slots[slotOf(`{c${cell}}`)]![0]!;
  const node = s.redis.nodes("master").find((n) => `${n.options.host}:${n.options.port}` === owner)!;
  const stats = String(await node.call("INFO", "commandstats"));
  return Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

test("a recorded load report waits for a replica, as room writes do: the fencing lease its answer extends must survive a master's death", async () => {
  const waiting = new CellStore({
    redis: connectCluster(redisClusterUrl()),
    keyPrefix: uniquePrefix("cells-wait"),
    replication: { replicas: 1, timeoutMs: 1000 },
  });
  try {
    const a = await waiting.registerServer(reg("a", { labels: { cell: "20" } }));
    const before = await waitsOn(waiting, 20);
    expect(await waiting.recordLoad({ id: "a", epoch: a.epoch, players: 1, nowMs: 5000, expiresAtMs: 9000 })).toBe(
      true,
    );
    // Recorded either way ("unheard": no Manager's heartbeat names it, as none runs here).
    expect(await waiting.recordOwnLoad({ id: "a", epoch: a.epoch, players: 1, deadlineMs: 3000 })).not.toBe("stale");
    expect(await waitsOn(waiting, 20)).toBe(before + 2);
    // A report of another life records nothing, and waits for nothing.
    expect(await waiting.recordLoad({ id: "a", epoch: a.epoch + 1, players: 1, nowMs: 5000, expiresAtMs: 9000 })).toBe(
      false,
    );
    expect(await waitsOn(waiting, 20)).toBe(before + 2);
  } finally {
    await waiting.close();
  }
});
