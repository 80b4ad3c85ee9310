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
    if (ms >= GIVE_UP_MS)
      throw new OpError(
        "room key not removed",
        `${keys.join(" ")} still in Redis ${GIVE_UP_MS} ms after the last player left`,
      );
  }
}

export async function cleanupLatency(p: RoomPhaseInput & { total: number }): Promise<{ result: PhaseResult }> {
  const client = gatewayClient(p.mesh.cluster.gatewayUrl(0), "connect");
  // Its own connection: sharing one with anything else would put that traffic in the figures.
  const redis = redisClient(p.mesh.redisUrl);
  try {
    await redis.connect();
    for (let i = 0; i < WARM_POLLS; i++) await redis.exists(`${p.mesh.keyPrefix}room:warm`);
    const result = await runPhase({
      ...p,
      name: "clean-up after last leave",
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
    redis.disconnect();
  }
}
