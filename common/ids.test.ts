import { isRoomId, newPlayerId, newRoomId, randomBytesPooled } from "./ids.js";

test("pooled random bytes: ids of the right shape, never the same bytes twice across refills", () => {
  const seen = new Set<string>();
  // 1,000 room ids draw 16 KB: the 4 KiB pool is refilled several times on the way.
  for (let i = 0; i < 1000; i++) {
    const id = newRoomId();
    expect(isRoomId(id)).toBe(true);
    expect(seen.has(id)).toBe(false);
    seen.add(id);
  }
  expect(newPlayerId()).toMatch(/^p_[A-Za-z0-9_-]{16}$/);
  // A draw is a copy: changing it changes nothing later draws return.
  const a = randomBytesPooled(16);
  a.fill(0);
  expect(randomBytesPooled(16).equals(Buffer.alloc(16))).toBe(false);
  expect(() => randomBytesPooled(5000)).toThrow(RangeError);
});
