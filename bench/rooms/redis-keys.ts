import type { Redis } from "ioredis";

// Where the memory phase's bytes went: every key under the phase's prefix, grouped by kind, with
// what MEMORY USAGE says it costs (key name and Redis's own overhead included) and how Redis
// encodes it (a hash or set past its listpack limits costs several times as much per entry). Read
// after the used_memory figure, so that reading it is not in the figure. It names no key of the
// store, so it reads a baseline checkout's layout as well as this one's.

export interface KeyKind {
  /** The key after the prefix, its ids as `*` ("room:*", "server:*:rooms"). */
  kind: string;
  keys: number;
  bytes: number;
  encodings: string[];
}

const SCAN_COUNT = 1000;

/** Room, player and label-set ids (16+ id characters) and numbered ids ("sim-0042") become `*`. */
export function keyKind(key: string, prefix: string): string {
  return key
    .slice(prefix.length)
    .split(":")
    .map((s) => (/^[\w-]{16,}$/.test(s) || /^[a-z]+-\d+$/.test(s) ? "*" : s))
    .join(":");
}

/** Every key under the prefix by kind, most bytes first. */
export async function keyKinds(redis: Redis, prefix: string): Promise<KeyKind[]> {
  const kinds = new Map<string, { keys: number; bytes: number; encodings: Set<string> }>();
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", SCAN_COUNT);
    cursor = next;
    const pipe = redis.pipeline();
    for (const k of keys) pipe.memory("USAGE", k, "SAMPLES", 0).object("ENCODING", k);
    const replies = (await pipe.exec()) ?? [];
    keys.forEach((k, i) => {
      const [, bytes] = replies[2 * i]!;
      const [, encoding] = replies[2 * i + 1]!;
      // A key that expired or went between SCAN and the reading has no figure: it is not counted.
      if (bytes === null || bytes === undefined) return;
      const kind = keyKind(k, prefix);
      const e = kinds.get(kind) ?? { keys: 0, bytes: 0, encodings: new Set<string>() };
      e.keys++;
      e.bytes += Number(bytes);
      if (encoding) e.encodings.add(String(encoding));
      kinds.set(kind, e);
    });
  } while (cursor !== "0");
  return [...kinds]
    .map(([kind, e]) => ({ kind, keys: e.keys, bytes: e.bytes, encodings: [...e.encodings].sort() }))
    .sort((a, b) => b.bytes - a.bytes);
}
