import type { Redis } from "ioredis";
import { gatewayClient } from "../../testkit/client.js";
import { OpError } from "../lib/errors.js";
import { redisClient } from "../lib/redis.js";
import { runPhase, type PhaseResult } from "../lib/phase.js";
import { createRoom, type RoomPhaseInput } from "./room-phases.js";
import { joinUntilWelcome, leave } from "./room-ops.js";

// Clean-up latency: from the client starting the close of a room's only socket to the room's
// mapping being gone from Redis. The store deletes the room key and returns the room's slot and
// seats to its server in one script (DELETE_ROOM, in the baseline 78a0691 as today), so "key gone"
// is also "capacity free".
// One room at a time, so each figure is the clean-up path alone, not a queue behind other rooms.
// Two ways to see "gone", each a phase of its own: `poll` asks EXISTS in a loop (at most one round
// trip late, but the loop keeps the load generator and Redis busy on a 2-core machine while the
// game server works), `notify` waits for Redis's keyspace event for each key (no load while it
// waits; it arrives after the deleting script ran). The run sets notify-keyspace-events for the
// phase and puts the old value back.

/** A room still mapped this long after its last player left counts as an error, not a sample. */
const GIVE_UP_MS = 5_000;
const WARM_POLLS = 20;

/**
 * The room's mapping: every key under the run's prefix whose name ends in the room id. Found
 * rather than spelled out, so a checkout that names its keys differently (issue 14 suggests
 * shorter ones) is measured the same way; the mesh is drained here, so the scan is short.
 */
async function roomKeys(redis: Redis, prefix: string, roomId: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*${roomId}`, "COUNT", 1000);
    out.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return out;
}

const notRemoved = (keys: string[]) =>
  new OpError("room key not removed", `${keys.join(" ")} still in Redis ${GIVE_UP_MS} ms after the last player left`);

/**
 * Polls EXISTS until the keys are gone. The figure is taken when the first "gone" answer arrives,
 * so it over-states the real moment by at most one Redis round trip: the resolution of the phase.
 */
async function untilGone(redis: Redis, keys: string[], t0: number, signal: AbortSignal): Promise<number> {
  for (;;) {
    if (signal.aborted) throw signal.reason;
    const exists = await redis.exists(...keys);
    const ms = performance.now() - t0;
    if (exists === 0) return ms;
    if (ms >= GIVE_UP_MS) throw notRemoved(keys);
  }
}

/** Keyspace events for deletes and expiries, on top of whatever the server had on. */
const KEYSPACE_EVENTS = "Kgx";

/**
 * Subscribes to each key's keyspace channel; `gone` resolves once Redis announced every key's
 * deletion (or expiry). `gone` must be awaited, or `cancel` called.
 */
async function deletions(sub: Redis, db: number, keys: string[], signal: AbortSignal) {
  const channels = keys.map((k) => `__keyspace@${db}__:${k}`);
  const left = new Set(channels);
  let settle = () => {};
  let fail: (e: unknown) => void = () => {};
  const onMessage = (channel: string, event: string) => {
    if ((event === "del" || event === "expired") && left.delete(channel) && left.size === 0) settle();
  };
  sub.on("message", onMessage);
  await sub.subscribe(...channels);
  const timer = setTimeout(() => fail(notRemoved(keys)), GIVE_UP_MS);
  const onAbort = () => fail(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const gone = new Promise<void>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  }).finally(async () => {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
    sub.off("message", onMessage);
    await sub.unsubscribe(...channels);
  });
  return {
    gone,
    cancel: () => settle(),
    /** Stops waiting for `key`: it was gone before the watch began. */
    drop(key: string) {
      if (left.delete(`__keyspace@${db}__:${key}`) && left.size === 0) settle();
    },
  };
}

export async function cleanupLatency(
  p: RoomPhaseInput & { total: number; watch: "poll" | "notify" },
): Promise<{ result: PhaseResult }> {
  const client = gatewayClient(p.mesh.cluster.gatewayUrl(0), "connect");
  // Its own connection: sharing one with anything else would put that traffic in the figures.
  const redis = redisClient(p.mesh.redisUrl);
  const sub = p.watch === "notify" ? redisClient(p.mesh.redisUrl) : undefined;
  let restore: string | undefined;
  try {
    await redis.connect();
    for (let i = 0; i < WARM_POLLS; i++) await redis.exists(`${p.mesh.keyPrefix}room:warm`);
    if (sub) {
      await sub.connect();
      restore = ((await redis.config("GET", "notify-keyspace-events")) as string[])[1] ?? "";
      await redis.config("SET", "notify-keyspace-events", `${restore}${KEYSPACE_EVENTS}`);
    }
    const db = (redis.options.db as number | undefined) ?? 0;
    const result = await runPhase({
      ...p,
      name: p.watch === "poll" ? "clean-up after last leave (polled)" : "clean-up after last leave (keyspace event)",
      concurrency: 1,
      op: async (i, _w, signal) => {
        const room = await createRoom(client, `cleanup-${i}`, signal);
        const ws = await joinUntilWelcome(room.serverAddress, room.roomId, room.joinToken, signal);
        let left: Promise<boolean> | undefined;
        try {
          // Without this a wrong key name would read as an instant clean-up.
          const keys = await roomKeys(redis, p.mesh.keyPrefix, room.roomId);
          if (keys.length === 0)
            throw new OpError("room key missing", `no key ending in ${room.roomId} in Redis while the room is joined`);
          if (sub) {
            const watch = await deletions(sub, db, keys, signal);
            // A checkout may drop one of a room's keys on its own while the room is joined (the
            // baseline's reservation hold): only the keys still there once the watch began count.
            const there = await Promise.all(keys.map((k) => redis.exists(k)));
            if (!there.includes(1)) {
              watch.cancel();
              await watch.gone;
              throw new OpError("room key missing", `every key of ${room.roomId} went before its last player left`);
            }
            keys.forEach((k, i) => {
              if (there[i] === 0) watch.drop(k);
            });
            const gone = watch.gone;
            const t0 = performance.now();
            left = leave(ws);
            await gone;
            return performance.now() - t0;
          }
          const t0 = performance.now();
          left = leave(ws);
          return await untilGone(redis, keys, t0, signal);
        } finally {
          // The next room starts only once this socket is fully closed (leave is bounded).
          await (left ?? leave(ws));
        }
      },
    });
    return { result };
  } finally {
    if (restore !== undefined) await redis.config("SET", "notify-keyspace-events", restore).catch(() => {});
    redis.disconnect();
    sub?.disconnect();
  }
}
