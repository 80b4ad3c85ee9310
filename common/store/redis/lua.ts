import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RedisClient } from "./client.js";
import { GameServerState, RoomState, RoomVisibility } from "../../../gen/roomgate/v1/common_pb.js";
import type { RedisKeys } from "./keys.js";

// The store's Lua scripts: read from common/store/lua/*.lua once, their `--- @include "name"` lines
// replaced by lua/includes/name.lua (each include once per script), with the enum values they
// compare against prepended as constants from gen/. Each Script names its KEYS and ARGV in the
// order the .lua file binds them to locals (redis/lua.test.ts checks that the two agree).

/**
 * The .lua files: beside this folder in the sources (jest), and copied next to the compiled
 * files by `make build` (tsc copies no .lua), so dist/ runs without the sources.
 */
export const LUA_DIR = join(__dirname, "..", "lua");

/** Hash fields hold strings, so the scripts compare against the enum values as strings. */
const CONSTANTS: Record<string, number> = {
  ROOM_OPENING: RoomState.OPENING,
  ROOM_OPEN: RoomState.OPEN,
  ROOM_MOVING: RoomState.MOVING,
  SERVER_LIVE: GameServerState.LIVE,
  VISIBILITY_PUBLIC: RoomVisibility.PUBLIC,
  VISIBILITY_PRIVATE: RoomVisibility.PRIVATE,
};

const PRELUDE = Object.entries(CONSTANTS)
  .map(([name, value]) => `local ${name} = '${value}'\n`)
  .join("");

const INCLUDE = /^--- @include "([\w-]+)"$/gm;

const sources = new Map<string, string>();

/** The script as Redis runs it: constants, includes expanded, then the script's own text. */
export function scriptSource(file: string): string {
  let source = sources.get(file);
  if (source === undefined) {
    const included = new Set<string>();
    const expand = (path: string): string =>
      readLua(path).replace(INCLUDE, (_line, name: string) => {
        if (included.has(name)) return "";
        included.add(name);
        return expand(join(LUA_DIR, "includes", `${name}.lua`));
      });
    source = PRELUDE + expand(join(LUA_DIR, `${file}.lua`));
    sources.set(file, source);
  }
  return source;
}

function readLua(path: string): string {
  if (!existsSync(path))
    throw new Error(`store script ${path} is missing (the build copies common/store/lua next to the compiled store)`);
  return readFileSync(path, "utf8");
}

type Value = string | number | Buffer;

export interface Encoded<K extends string, A extends string> {
  keys: Record<K, string>;
  args: Record<A, Value>;
  /** Values after the named ones (a list of ids): the script reads them from the end of ARGV. */
  rest?: readonly Value[];
}

/** One script: its .lua file, the names of its KEYS and ARGV in order, and how to fill them. */
export interface Script<I, R> {
  readonly file: string;
  readonly keys: readonly string[];
  readonly args: readonly string[];
  /** The name of the ARGV tail, when the script takes one. */
  readonly rest?: string;
  encode(k: RedisKeys, input: I): Encoded<string, string>;
  /** Only carries the reply's type. */
  readonly reply?: R;
}

export function script<R>() {
  return <I, const K extends string, const A extends string>(def: {
    file: string;
    keys: readonly K[];
    args: readonly A[];
    rest?: string;
    encode: (k: RedisKeys, input: I) => Encoded<K, A>;
  }): Script<I, R> => def;
}

/** The SHA-1 Redis knows a script's source by, computed once per script. */
const shas = new Map<string, string>();
function shaOf(file: string): string {
  let sha = shas.get(file);
  if (sha === undefined) {
    sha = createHash("sha1").update(scriptSource(file)).digest("hex");
    shas.set(file, sha);
  }
  return sha;
}

/** Whether a reply is Redis's "no script by this SHA-1" (a Redis that restarted, or never saw it). */
export function isNoScript(e: unknown): boolean {
  return e instanceof Error && e.message.startsWith("NOSCRIPT");
}

/**
 * Reads every script and its SHA-1 once, up front (a build that left common/store/lua out fails at
 * start, not at its first call). The scripts are not given to ioredis's defineCommand: ioredis copies every
 * defined script onto each pipeline it builds, which with auto-pipelining is one per event-loop
 * turn that sends anything, and with a store's scripts that cost about as much as the call itself.
 */
export function prepareScripts(scripts: readonly Script<never, unknown>[]) {
  for (const s of scripts) shaOf(s.file);
}

/**
 * Runs a script with the keys and arguments its encoder builds from the named input: EVALSHA, and
 * when Redis lacks the script, EVAL of its source (which caches it for the next EVALSHA).
 */
export async function run<I, R>(redis: RedisClient, k: RedisKeys, s: Script<I, R>, input: I): Promise<R> {
  const e = s.encode(k, input) as Encoded<string, string>;
  const values = [...s.keys.map((n) => e.keys[n]!), ...s.args.map((n) => e.args[n]!), ...(e.rest ?? [])];
  try {
    return (await redis.evalsha(shaOf(s.file), s.keys.length, ...values)) as R;
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return (await redis.eval(scriptSource(s.file), s.keys.length, ...values)) as R;
  }
}

/** Script names by the SHA-1 Redis knows them by ("ALLOCATE"), for reading SLOWLOG entries. */
export function scriptNamesBySha(files: readonly string[]): Map<string, string> {
  return new Map(files.map((f) => [shaOf(f), scriptName(f)]));
}

/** A script's name in SLOWLOG readings and spans ("move-room" -> "MOVE_ROOM"). */
export function scriptName(file: string): string {
  return file.toUpperCase().replace(/-/g, "_");
}
