import { Redis } from "ioredis";
import { keyKind, keyKinds } from "./redis-keys.js";

// The memory phase's breakdown: ids grouped away, every key under the prefix counted once, none
// outside it, and the encoding Redis chose for each kind.

test("a key's kind has its room, player, label-set and numbered server ids as *", () => {
  const p = "bench-mgr-new-abc:";
  expect(keyKind(`${p}room:NgtiZWiL_dkY-wrIxUDZTw`, p)).toBe("room:*");
  expect(keyKind(`${p}server:sim-0042:rooms`, p)).toBe("server:*:rooms");
  expect(keyKind(`${p}avail:bf21a9e8fbc5a384:local`, p)).toBe("avail:*:local");
  expect(keyKind(`${p}holdexp`, p)).toBe("holdexp");
});

test("keys under the prefix by kind, with their bytes and encodings", async () => {
  const redis = new Redis(process.env.REDIS_URL!);
  const p = `keykinds-${process.pid}:`;
  try {
    for (const id of ["NgtiZWiL_dkY-wrIxUDZTw", "T07jcoD1TB-Zv3gJk0SE1g"]) await redis.hset(`${p}room:${id}`, "n", "2");
    await redis.hset(`${p}server:sim-1:rooms`, "a".repeat(70), "");
    await redis.set(`${p}other-prefix`, "x");
    await redis.set(`not-${p}room:x`, "x");
    const kinds = await keyKinds(redis, p);
    expect(kinds.map((k) => k.kind).sort()).toEqual(["other-prefix", "room:*", "server:*:rooms"]);
    const room = kinds.find((k) => k.kind === "room:*")!;
    expect(room).toMatchObject({ keys: 2, encodings: ["listpack"] });
    expect(room.bytes).toBeGreaterThan(0);
    // A field longer than hash-max-listpack-value (64) makes the hash a hashtable.
    expect(kinds.find((k) => k.kind === "server:*:rooms")!.encodings).toEqual(["hashtable"]);
  } finally {
    const keys = await redis.keys(`*${p}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
});
