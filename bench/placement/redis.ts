import type { Redis } from "ioredis";
import { storeScriptNamesBySha } from "../../common/store/redis-store.js";
import { summarize, type Summary } from "../lib/stats.js";

// What the benchmark reads from Redis itself: memory, the reservations the store holds (to check
// them against the rooms the fleet was told to open), and how long each store script ran inside
// Redis. That last one is the placement cost with no network, event loop or scheduler in it, so it
// answers "does it grow with rooms" even on a machine too noisy for wall-clock figures to.

export async function usedMemory(redis: Redis): Promise<number | undefined> {
  const info = await redis.info("memory");
  const v = Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
  return Number.isFinite(v) ? v : undefined;
}

/** Sum of the room reservations of the given servers (the `rooms` field of each server hash). */
export async function reservedRooms(redis: Redis, keyPrefix: string, serverIds: string[]): Promise<number> {
  const pipe = redis.pipeline();
  for (const id of serverIds) pipe.hget(`${keyPrefix}server:${id}`, "rooms");
  const replies = (await pipe.exec()) ?? [];
  return replies.reduce((sum, [err, v]) => sum + (err ? 0 : Number(v ?? 0)), 0);
}

/** ioredis runs each defined command as EVALSHA of the script's SHA-1: name them back. */
const SCRIPT_NAMES = storeScriptNamesBySha();

/** Slow-log length while timing; far more than one phase's commands. */
const TIMING_MAX_ENTRIES = 200_000;
const DEFAULTS = { "slowlog-log-slower-than": "10000", "slowlog-max-len": "128" };

/** Makes Redis log every command with its execution time (µs) until scriptTimes() is called. */
export async function startScriptTiming(redis: Redis) {
  await redis.config("SET", "slowlog-max-len", String(TIMING_MAX_ENTRIES));
  await redis.slowlog("RESET");
  await redis.config("SET", "slowlog-log-slower-than", "0");
}

/** Execution times in µs by store script name (or command), and the slow log back to defaults. */
export async function scriptTimes(redis: Redis): Promise<Record<string, Summary>> {
  await redis.config("SET", "slowlog-log-slower-than", DEFAULTS["slowlog-log-slower-than"]);
  const entries = (await redis.slowlog("GET", -1)) as [number, number, number, string[]][];
  await redis.slowlog("RESET");
  await redis.config("SET", "slowlog-max-len", DEFAULTS["slowlog-max-len"]);
  const byName = new Map<string, number[]>();
  for (const [, , micros, args] of entries) {
    const cmd = String(args[0] ?? "").toLowerCase();
    if (cmd === "config" || cmd === "slowlog") continue;
    const name =
      cmd === "evalsha" ? (SCRIPT_NAMES.get(String(args[1])) ?? `script ${String(args[1]).slice(0, 8)}`) : cmd;
    let list = byName.get(name);
    if (!list) byName.set(name, (list = []));
    list.push(micros);
  }
  return Object.fromEntries([...byName].map(([name, us]) => [name, summarize(us, 1)!]));
}
