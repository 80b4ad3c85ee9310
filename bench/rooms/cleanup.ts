import type { Redis } from "ioredis";
import { gatewayClient } from "../../testkit/client.js";
import { OpError } from "../lib/errors.js";
import { redisClient } from "../lib/redis.js";
import { runPhase, type PhaseResult } from "../lib/phase.js";
import { createRoom, type RoomPhaseInput } from "./room-phases.js";
import { joinUntilWelcome, leave } from "./room-ops.js";

// Clean-up latency: from the client starting the close of a room's only socket to the room's
// mapping being gone from Redis. The store deletes the room key and returns the room's slot and
// seats to its server in one script (DELETE_ROOM), so "key gone" is also "capacity free".
// One room at a time, so each figure is the clean-up path alone, not a queue behind other rooms.

/** A room still mapped this long after its last player left counts as an error, not a sample. */
const GIVE_UP_MS = 5_000;
const WARM_POLLS = 20;

/**
 * Polls EXISTS until the key is gone. The figure is taken when the first "gone" answer arrives,
 * so it over-states the real moment by at most one Redis round trip: the resolution of the phase.
 */
async function untilGone(redis: Redis, key: string, t0: number, signal: AbortSignal): Promise<number> {
  for (;;) {
    if (signal.aborted) throw signal.reason;
    const exists = await redis.exists(key);
    const ms = performance.now() - t0;
    if (exists === 0) return ms;
    if (ms >= GIVE_UP_MS)
      throw new OpError("room key not removed", `${key} still in Redis ${GIVE_UP_MS} ms after the last player left`);
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
        const key = `${p.mesh.keyPrefix}room:${room.roomId}`;
        const ws = await joinUntilWelcome(room.serverAddress, room.roomId, room.joinToken, signal);
        let left: Promise<boolean> | undefined;
        try {
          // Without this a wrong key name would read as an instant clean-up.
          if ((await redis.exists(key)) !== 1)
            throw new OpError("room key missing", `${key} not in Redis while the room is joined`);
          const t0 = performance.now();
          left = leave(ws);
          return await untilGone(redis, key, t0, signal);
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
