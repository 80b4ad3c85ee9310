import type { RedisClient } from "./client.js";
import type { Room } from "../../../gen/roomgate/v1/common_pb.js";
import { pairsToHash, roomFromHash } from "./hashes.js";
import type { RedisKeys } from "./keys.js";
import { run, type Script, script, scriptName } from "./lua.js";
import { inTrace, SpanKind, traced } from "../../tracing/spans.js";

/** A store script's span attributes (OpenTelemetry's database conventions). */
function scriptAttributes(name: string) {
  return { "db.system": "redis", "db.operation.name": "EVALSHA", "db.stored_procedure.name": name };
}

// What the Redis store's parts share: the client, the key names, and reading rooms back.

/** Rooms as the store returns them, in one script: a room's hash names neither it nor where its server is. */
export const GET_ROOMS = script<string[][]>()({
  file: "get-rooms",
  keys: ["firstKey"],
  args: ["prefix", "nowMs"],
  rest: "ids",
  encode: (k, q: { ids: string[]; nowMs: number }) => ({
    keys: { firstKey: k.room(q.ids[0] ?? "") },
    args: { prefix: k.prefix, nowMs: q.nowMs },
    rest: q.ids,
  }),
});

export class RedisContext {
  constructor(
    readonly redis: RedisClient,
    readonly keys: RedisKeys,
  ) {}

  /** Runs a store script with the keys and arguments its encoder builds from the input. */
  run<I, R>(s: Script<I, R>, input: I): Promise<R> {
    if (!inTrace()) return run(this.redis, this.keys, s, input);
    const name = scriptName(s.file);
    return traced(`redis ${name}`, { kind: SpanKind.CLIENT, attributes: scriptAttributes(name) }, () =>
      run(this.redis, this.keys, s, input),
    );
  }

  /** The rooms that exist, in order, with their free seats (holds still live at nowMs). */
  async getRooms(ids: string[], nowMs: number): Promise<Room[]> {
    if (ids.length === 0) return [];
    const rows = await this.run(GET_ROOMS, { ids, nowMs });
    return rows.filter((r) => r.length > 0).map((r) => roomFromHash(pairsToHash(r)));
  }
}
