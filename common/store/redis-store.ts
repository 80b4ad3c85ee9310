import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "../log.js";
import { ComposedStore } from "./composed-store.js";
import { checkEventHistory, DEFAULT_EVENT_HISTORY, type EventHistoryLimits } from "./event-history.js";
import { type ConnectionLimits, failFastOptions, superviseConnection } from "./redis-connection.js";
import { instrumentRedis } from "./redis/command-metrics.js";
import { ACQUIRE_LEASE, PUBLISH_EVENTS, RedisChannels, RedisLeases } from "./redis/channels.js";
import { GET_ROOMS, RedisContext } from "./redis/context.js";
import { RedisKeys } from "./redis/keys.js";
import { prepareScripts, scriptNamesBySha } from "./redis/lua.js";
import { FINISH_MOVE, HAND_OVER, MOVE_ROOM, RedisMigration, SAVE_SNAPSHOT } from "./redis/migration.js";
import { ALLOCATE, CLAIM, CONFIRM, DELETE_ROOM, OPEN_ON_TOKEN, RedisRooms } from "./redis/rooms.js";
import { HOLD_SEAT, JOIN_PUBLIC, LIST_PAGE, RedisSeats, SET_ROOM_PLAYERS } from "./redis/seats.js";
import { HAND_ON_TOKEN, RedisSpentTokens } from "./redis/tokens.js";
import { RECORD_LOADS, RedisLiveness, RedisServers, REGISTER, REMOVE_SERVER, SET_STATE } from "./redis/servers.js";

// The store of every multi-process deployment: every concern's part (redis/*.ts) over one ioredis
// client; what must be atomic runs as Lua scripts (lua/*.lua), keys as listed in redis/keys.ts.

/** Every store script; defined once on the client, then run by EVALSHA. */
export const STORE_SCRIPTS = [
  ALLOCATE,
  CONFIRM,
  OPEN_ON_TOKEN,
  CLAIM,
  DELETE_ROOM,
  GET_ROOMS,
  REGISTER,
  SET_STATE,
  RECORD_LOADS,
  REMOVE_SERVER,
  HOLD_SEAT,
  SET_ROOM_PLAYERS,
  JOIN_PUBLIC,
  LIST_PAGE,
  SAVE_SNAPSHOT,
  HAND_OVER,
  MOVE_ROOM,
  FINISH_MOVE,
  ACQUIRE_LEASE,
  PUBLISH_EVENTS,
  HAND_ON_TOKEN,
] as const;

export interface RedisStoreOptions extends ConnectionLimits {
  /** An existing client (used as it is configured), or a URL / options to make one. */
  redis: Redis | string | RedisOptions;
  keyPrefix?: string;
  /** Where losing and regaining the connection is logged. */
  log?: Logger;
  /** How many recent cluster events are kept, and for how long (the same on every process, ideally). */
  eventHistory?: EventHistoryLimits;
  /** How long a published cluster event waits for others to go out with (ms; 0: the same turn's only). */
  eventFlushMs?: number;
  /** ioredis's auto-pipelining (REDIS_AUTO_PIPELINING); default off. */
  autoPipelining?: boolean;
}

export class RedisStore extends ComposedStore {
  readonly redis: Redis;
  private readonly ownsClient: boolean;
  private readonly channels: RedisChannels;

  constructor(options: RedisStoreOptions) {
    // Checked before connecting, so a bad setting leaves no client behind.
    const history = checkEventHistory(options.eventHistory ?? DEFAULT_EVENT_HISTORY);
    const { redis, ownsClient } = connect(options);
    instrumentRedis(redis);
    prepareScripts(STORE_SCRIPTS);
    const c = new RedisContext(redis, new RedisKeys(options.keyPrefix ?? "rg:"));
    const channels = new RedisChannels(c, ownsClient, history, options.log, options.eventFlushMs);
    super({
      servers: new RedisServers(c),
      liveness: new RedisLiveness(c),
      rooms: new RedisRooms(c),
      seats: new RedisSeats(c),
      migration: new RedisMigration(c),
      channels,
      leases: new RedisLeases(c),
      tokens: new RedisSpentTokens(c),
    });
    this.redis = redis;
    this.ownsClient = ownsClient;
    this.channels = channels;
  }

  async close() {
    await this.channels.close();
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function connect(options: RedisStoreOptions): { redis: Redis; ownsClient: boolean } {
  if (options.redis instanceof Redis) return { redis: options.redis, ownsClient: false };
  // Commands fail fast while Redis is unreachable (callers turn that into `unavailable`) and
  // the client reconnects in the background: see redis-connection.ts.
  // Each command leaves at once rather than with the rest of its event-loop turn: the setImmediate
  // and the pipeline ioredis builds for each turn cost more CPU than the writes they save, alone
  // and with 20 callers at once (`npm run bench:redis-calls`), and the room path's server CPU
  // fell by a fifth with it off (`npm run bench`).
  const defaults = { ...failFastOptions(options), enableAutoPipelining: options.autoPipelining ?? false };
  const redis =
    typeof options.redis === "string"
      ? new Redis(options.redis, defaults)
      : new Redis({ ...defaults, ...options.redis });
  superviseConnection(redis, options.log, "commands");
  return { redis, ownsClient: true };
}

/** Store script names by the SHA-1 Redis runs them under ("ALLOCATE"), for reading its SLOWLOG. */
export function storeScriptNamesBySha(): Map<string, string> {
  return scriptNamesBySha(STORE_SCRIPTS.map((s) => s.file));
}
