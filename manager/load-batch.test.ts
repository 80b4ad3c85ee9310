import type { LoadReport } from "../common/store/store.js";
import { LoadBatch } from "./load-batch.js";

// The store sees one call per window (or per full batch), and each report gets its own answer.

const report = (id: string): LoadReport => ({ id, epoch: 1, players: 0, nowMs: 0, expiresAtMs: 3000 });

function fakeStore(answer: (ids: string[]) => boolean[] | Error) {
  const calls: string[][] = [];
  return {
    calls,
    recordLoads: async (reports: readonly LoadReport[]) => {
      const ids = reports.map((r) => r.id);
      calls.push(ids);
      const a = answer(ids);
      if (a instanceof Error) throw a;
      return a;
    },
  };
}

/** The LoadBatch's answer to one report, as a promise (rejected when the store call failed). */
function record(batch: LoadBatch, r: LoadReport): Promise<boolean> {
  return new Promise((resolve, reject) =>
    batch.record(r, (failed, current) => (failed ? reject(failed) : resolve(current))),
  );
}

const answerThrew = (e: unknown) => {
  throw e;
};

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test("reports within the window go in one call; each learns its own answer", async () => {
  const store = fakeStore((ids) => ids.map((id) => id !== "b"));
  const batch = new LoadBatch({ store, windowMs: 20, max: 100, answerThrew });
  const answers = Promise.all(["a", "b", "c"].map((id) => record(batch, report(id))));
  expect(store.calls).toEqual([]);
  await jest.advanceTimersByTimeAsync(20);
  expect(await answers).toEqual([true, false, true]);
  expect(store.calls).toEqual([["a", "b", "c"]]);
  // The next window is a call of its own.
  const d = record(batch, report("d"));
  await jest.advanceTimersByTimeAsync(20);
  expect(await d).toBe(true);
  expect(store.calls).toEqual([["a", "b", "c"], ["d"]]);
});

test("a full batch goes at once; a window of 0 sends each report alone", async () => {
  const store = fakeStore((ids) => ids.map(() => true));
  const full = new LoadBatch({ store, windowMs: 1000, max: 2, answerThrew });
  await Promise.all([record(full, report("a")), record(full, report("b"))]);
  expect(store.calls).toEqual([["a", "b"]]);
  const alone = new LoadBatch({ store, windowMs: 0, max: 100, answerThrew });
  await Promise.all([record(alone, report("c")), record(alone, report("d"))]);
  expect(store.calls).toEqual([["a", "b"], ["c"], ["d"]]);
});

test("a store failure reaches every report of the batch", async () => {
  const store = fakeStore(() => new Error("room store unavailable"));
  const batch = new LoadBatch({ store, windowMs: 5, max: 100, answerThrew });
  const settled = Promise.allSettled([record(batch, report("a")), record(batch, report("b"))]);
  await jest.advanceTimersByTimeAsync(5);
  expect((await settled).map((s) => s.status)).toEqual(["rejected", "rejected"]);
});

test("an answer that throws does not keep the batch's other reports unanswered", async () => {
  const store = fakeStore((ids) => ids.map(() => true));
  const threw: unknown[] = [];
  const batch = new LoadBatch({ store, windowMs: 5, max: 100, answerThrew: (e) => threw.push(e) });
  batch.record(report("a"), () => {
    throw new Error("a bug in an answer");
  });
  const b = record(batch, report("b"));
  await jest.advanceTimersByTimeAsync(5);
  expect(await b).toBe(true);
  expect(threw).toEqual([new Error("a bug in an answer")]);
});
