import { silentLogger } from "../common/log";
import type { OwnLoadAnswer, OwnLoadReport } from "../common/store/servers";
import { LoadWriter, type LoadWriterStore } from "./load-writer";

// Which reports a server writes to the store itself, and when it hands them back to the Manager.

class Store implements LoadWriterStore {
  readonly writes: OwnLoadReport[] = [];
  answer: OwnLoadAnswer | Error = "recorded";
  async recordOwnLoad(r: OwnLoadReport): Promise<OwnLoadAnswer> {
    this.writes.push(r);
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
}

const load = { players: 3, roomCpu: [] };

test("nothing is written before a registration names an epoch and a deadline, nor for a Manager that names none", () => {
  const store = new Store();
  const w = new LoadWriter(store, "gs-1", silentLogger);
  expect(w.write(load)).toBeUndefined();
  w.registered(0, 0);
  expect(w.write(load)).toBeUndefined();
  w.registered(7, 0);
  expect(w.write(load)).toBeUndefined();
  expect(store.writes).toEqual([]);
});

test("a report is written under the registration's epoch and deadline, and the store's answer comes back", async () => {
  const store = new Store();
  const w = new LoadWriter(store, "gs-1", silentLogger);
  w.registered(7, 3000);
  expect(await w.write(load)).toBe("recorded");
  expect(store.writes).toEqual([{ id: "gs-1", epoch: 7, deadlineMs: 3000, players: 3, roomCpu: [] }]);
  store.answer = "unheard";
  expect(await w.write(load)).toBe("unheard");
  store.answer = "stale";
  expect(await w.write(load)).toBe("stale");
  // A new registration's life is the one written from then on.
  w.registered(9, 1500);
  store.answer = "recorded";
  await w.write(load);
  expect(store.writes.at(-1)).toMatchObject({ epoch: 9, deadlineMs: 1500 });
});

test("after a failed write, reports go to the Manager until it records one; then the store is tried again", async () => {
  const store = new Store();
  const w = new LoadWriter(store, "gs-1", silentLogger);
  w.registered(7, 3000);
  store.answer = new Error("Command timed out");
  expect(await w.write(load)).toBe("failed");
  store.answer = "recorded";
  expect(w.write(load)).toBeUndefined();
  expect(w.write(load)).toBeUndefined();
  expect(store.writes).toHaveLength(1);
  w.managerRecorded();
  expect(await w.write(load)).toBe("recorded");
  expect(store.writes).toHaveLength(2);
});
