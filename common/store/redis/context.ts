import type { RedisClient } from "./client.js";
import type { Room } from "../../../gen/roomgate/v1/common_pb.js";
import { num, roomFromHash } from "./hashes.js";
import type { RedisKeys } from "./keys.js";
import { run, type Script, scriptName } from "./lua.js";
import { inTrace, SpanKind, traced } from "../../tracing/spans.js";

/** A store script's span attributes (OpenTelemetry's database conventions). */
function scriptAttributes(name: string) {
  return { "db.system": "redis", "db.operation.name": "EVALSHA", "db.stored_procedure.name": name };
}

// What the Redis store's parts share: the client, the key names, and reading rooms back.

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
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.keys.room(id)).zcount(this.keys.holds(id), `(${nowMs}`, "+inf");
    const rows = (await pipe.exec()) ?? [];
    const out: Room[] = [];
    for (let i = 0; i < ids.length; i++) {
      const [err, h] = rows[2 * i]!;
      const [err2, holds] = rows[2 * i + 1]!;
      if (err || err2) throw err ?? err2;
      const hash = h as Record<string, string>;
      if (!hash.roomId) continue;
      hash.free = String(Math.max(0, num(hash.maxPlayers) - num(hash.players) - Number(holds)));
      out.push(roomFromHash(hash));
    }
    return out;
  }
}
