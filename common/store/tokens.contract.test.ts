import { implementations } from "../../testkit/store-contract";
import type { RoomStore } from "./store";

// Spent join tokens (spendToken), over every store as the other contract suites do. Redis times
// a spent id with its own clock and the memory store with the caller's, so the expiry test passes
// the real time and waits for real time to pass.

describe.each(implementations)("%s spent tokens", (_name, make) => {
  let store: RoomStore;
  beforeEach(() => {
    store = make();
  });
  afterEach(async () => {
    await store.close();
  });

  const spend = (tokenId: string, ttlMs = 60_000) =>
    store.spendToken({ tokenId, untilMs: Date.now() + ttlMs, nowMs: Date.now() });

  test("a token id is spent once: the first use wins, every later one is refused", async () => {
    expect(await spend("t1")).toBe(true);
    expect(await spend("t1")).toBe(false);
    expect(await spend("t1")).toBe(false);
    expect(await spend("t2")).toBe(true);
  });

  const handOn = (tokenId: string, ttlMs = 60_000) =>
    store.handOnToken({ tokenId, untilMs: Date.now() + ttlMs, nowMs: Date.now() });

  test("a token handed on is spent for any use, and a retried hand-on finds its own spend; a used one is not handed on", async () => {
    expect(await handOn("h1")).toBe(true);
    expect(await handOn("h1")).toBe(true); // the same call again, its first answer lost
    expect(await spend("h1")).toBe(false);
    expect(await spend("u1")).toBe(true);
    expect(await handOn("u1")).toBe(false);
  });

  test("of many racing uses of one id exactly one wins", async () => {
    const wins = (await Promise.all(Array.from({ length: 20 }, () => spend("race")))).filter(Boolean);
    expect(wins).toHaveLength(1);
  });

  test("a spent id is forgotten once its token has expired, not before", async () => {
    const ttlMs = 150;
    const spentAt = Date.now();
    expect(await spend("short", ttlMs)).toBe(true);
    while (!(await spend("short", ttlMs))) {
      expect(Date.now() - spentAt).toBeLessThan(5_000);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(Date.now() - spentAt).toBeGreaterThanOrEqual(ttlMs - 5);
    // Expired entries of other ids go too, and never take a live one with them.
    expect(await spend("live")).toBe(true);
    expect(await spend("live")).toBe(false);
  });
});
