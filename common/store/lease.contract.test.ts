import { implementations } from "../../testkit/store-contract";
import type { RoomStore } from "./store";

// The leader lease (acquireLease), over every store as store.contract.test.ts does. Redis times a
// lease with its own clock and the memory store with the caller's, so every call passes the real
// time and the expiry test waits for real time to pass.

describe.each(implementations)("%s lease", (_name, make) => {
  let store: RoomStore;
  beforeEach(() => {
    store = make();
  });
  afterEach(async () => {
    await store.close();
  });

  test("one owner at a time; the holder renews it", async () => {
    expect(await store.acquireLease({ name: "scaler", owner: "m1", nowMs: Date.now(), ttlMs: 60_000 })).toBe(true);
    expect(await store.acquireLease({ name: "scaler", owner: "m2", nowMs: Date.now(), ttlMs: 60_000 })).toBe(false);
    expect(await store.acquireLease({ name: "scaler", owner: "m1", nowMs: Date.now(), ttlMs: 60_000 })).toBe(true);
    expect(await store.acquireLease({ name: "scaler", owner: "m2", nowMs: Date.now(), ttlMs: 60_000 })).toBe(false);
  });

  test("leases of different names are independent", async () => {
    expect(await store.acquireLease({ name: "a", owner: "m1", nowMs: Date.now(), ttlMs: 60_000 })).toBe(true);
    expect(await store.acquireLease({ name: "b", owner: "m2", nowMs: Date.now(), ttlMs: 60_000 })).toBe(true);
    expect(await store.acquireLease({ name: "a", owner: "m2", nowMs: Date.now(), ttlMs: 60_000 })).toBe(false);
    expect(await store.acquireLease({ name: "b", owner: "m1", nowMs: Date.now(), ttlMs: 60_000 })).toBe(false);
  });

  test("ttl 0 gives the lease up, and only its holder can", async () => {
    expect(await store.acquireLease({ name: "scaler", owner: "m1", nowMs: Date.now(), ttlMs: 60_000 })).toBe(true);
    expect(await store.acquireLease({ name: "scaler", owner: "m2", nowMs: Date.now(), ttlMs: 0 })).toBe(false);
    expect(await store.acquireLease({ name: "scaler", owner: "m2", nowMs: Date.now(), ttlMs: 60_000 })).toBe(false);
    expect(await store.acquireLease({ name: "scaler", owner: "m1", nowMs: Date.now(), ttlMs: 0 })).toBe(false);
    expect(await store.acquireLease({ name: "scaler", owner: "m2", nowMs: Date.now(), ttlMs: 60_000 })).toBe(true);
    // Giving up a lease nobody holds changes nothing.
    expect(await store.acquireLease({ name: "other", owner: "m1", nowMs: Date.now(), ttlMs: 0 })).toBe(false);
    expect(await store.acquireLease({ name: "other", owner: "m3", nowMs: Date.now(), ttlMs: 60_000 })).toBe(true);
  });

  test("a lease that is not renewed runs out and another owner takes it, not before its ttl", async () => {
    const ttlMs = 150;
    const takenAt = Date.now();
    expect(await store.acquireLease({ name: "scaler", owner: "m1", nowMs: takenAt, ttlMs })).toBe(true);
    // Until it runs out, m2 keeps being refused; then it gets the lease.
    let tries = 0;
    while (!(await store.acquireLease({ name: "scaler", owner: "m2", nowMs: Date.now(), ttlMs: 60_000 }))) {
      expect(Date.now() - takenAt).toBeLessThan(5_000);
      tries++;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(Date.now() - takenAt).toBeGreaterThanOrEqual(ttlMs - 5);
    expect(tries).toBeGreaterThan(0);
    expect(await store.acquireLease({ name: "scaler", owner: "m1", nowMs: Date.now(), ttlMs: 60_000 })).toBe(false);
  });
});
