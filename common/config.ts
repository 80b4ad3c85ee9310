// Every setting is both a flag (--gateway-port 8080) and an environment variable
// (GATEWAY_PORT=8080); a flag wins over the environment, which wins over the default. This table
// is the single source for parsing and for `roomgate --help`.

import { RegisterSchema } from "../gen/roomgate/v1/manager_pb.js";
import { describeViolations, fieldViolations } from "./validation.js";

export type Component = "up" | "gateway" | "manager" | "gameserver" | "drain" | "servers";

export interface Setting {
  env: string;
  help: string;
  default?: string;
  kind: "string" | "int";
  for: Component[];
}

const ALL: Component[] = ["up", "gateway", "manager", "gameserver"];
/** Operator commands that talk to a Manager. */
const OPS: Component[] = ["drain", "servers"];
const GW: Component[] = ["up", "gateway"];
const MG: Component[] = ["up", "manager"];
const GS: Component[] = ["up", "gameserver"];

export const SETTINGS: Setting[] = [
  {
    env: "REDIS_URL",
    kind: "string",
    for: ALL,
    help: "Redis for rooms and servers, e.g. redis://127.0.0.1:6379. Required when components run as separate processes; `up` uses the embedded store without it.",
  },
  {
    env: "REDIS_KEY_PREFIX",
    kind: "string",
    for: ALL,
    default: "rg:",
    help: "Prefix of every Redis key, so deployments can share a Redis.",
  },
  {
    env: "REDIS_COMMAND_TIMEOUT_MS",
    kind: "int",
    for: ["up", "gateway", "manager"],
    default: "1000",
    help: "Longest a Redis command may take before the call fails as unavailable. While Redis is unreachable, calls fail at once.",
  },
  {
    env: "REDIS_RECONNECT_MAX_MS",
    kind: "int",
    for: ["up", "gateway", "manager"],
    default: "1000",
    help: "Longest wait between two attempts to reconnect to Redis (backoff from 50 ms, forever); bounds how long recovery takes once Redis is back.",
  },
  {
    env: "ROOMGATE_SECRET",
    kind: "string",
    for: ALL,
    help: "Secret (16+ bytes) that signs join tokens; the same on every Gateway and game server. `up` makes a random one when unset; other commands refuse to start without it.",
  },
  { env: "LOG_LEVEL", kind: "string", for: ALL, default: "info", help: "debug, info, warn or error." },
  { env: "LOG_FORMAT", kind: "string", for: ALL, default: "text", help: "text, or json for one JSON object per line." },

  { env: "GATEWAY_HOST", kind: "string", for: GW, default: "0.0.0.0", help: "Interface the Gateway listens on." },
  {
    env: "GATEWAY_PORT",
    kind: "int",
    for: GW,
    default: "8080",
    help: "Gateway port: Connect, gRPC-Web and gRPC over HTTP/1.1 and HTTP/2 (0 picks a free port).",
  },
  {
    env: "GATEWAY_TLS_CERT",
    kind: "string",
    for: GW,
    help: "PEM certificate file; with GATEWAY_TLS_KEY the Gateway serves TLS (HTTP/2 and HTTP/1.1 by ALPN).",
  },
  { env: "GATEWAY_TLS_KEY", kind: "string", for: GW, help: "PEM private key file for GATEWAY_TLS_CERT." },
  {
    env: "GATEWAY_CORS_ORIGINS",
    kind: "string",
    for: GW,
    help: 'Comma-separated origins whose browser pages may call the Gateway ("*" for any). The demo and dashboard it serves itself need none.',
  },
  {
    env: "GATEWAY_WEB_DIR",
    kind: "string",
    for: GW,
    help: "Built web UI to serve at / (demo) and /dashboard (default: web/dist of this installation; build it with `npm run build:web`).",
  },
  {
    env: "GATEWAY_REGION",
    kind: "string",
    for: GW,
    default: "",
    help: "Region this Gateway serves: rooms go there when a client names no region and measured none. Answered at GET /ping.",
  },
  {
    env: "REGION_GATEWAYS",
    kind: "string",
    for: GW,
    default: "",
    help: "Every region's Gateway as region=url pairs separated by commas (eu=https://eu.example.com,us=https://us.example.com): ListRegions returns them so clients can measure round trips to each (GET {url}/ping).",
  },
  {
    env: "QUICKJOIN_RTT_SLACK_MS",
    kind: "int",
    for: GW,
    default: "30",
    help: "JoinOrCreate fills open rooms in any measured region at most this much slower than the client's fastest, before it creates a room.",
  },
  {
    env: "JOIN_TOKEN_TTL_MS",
    kind: "int",
    for: GW,
    default: "30000",
    help: "Lifetime of a join token; a new room nobody joins within it is removed.",
  },
  {
    env: "ROOM_DEFAULT_MAX_PLAYERS",
    kind: "int",
    for: GW,
    default: "8",
    help: "Seats in a room when CreateRoom does not say.",
  },
  {
    env: "ROOM_MAX_PLAYERS_LIMIT",
    kind: "int",
    for: GW,
    default: "256",
    help: "Largest max_players a client may ask for.",
  },
  {
    env: "ALLOCATE_TIMEOUT_MS",
    kind: "int",
    for: GW,
    default: "5000",
    help: "Deadline of the Gateway's AllocateRoom call to the Manager; also how long a JoinOrCreate waits for a room another player is creating.",
  },
  {
    env: "GATEWAY_TRUST_PROXY",
    kind: "string",
    for: GW,
    default: "false",
    help: "true when the Gateway sits behind a proxy that sets X-Forwarded-For: per-client limits then count the entry GATEWAY_TRUSTED_PROXY_HOPS from the right of that header instead of the peer address. Never turn it on for a Gateway clients reach directly (they could claim any address).",
  },
  {
    env: "GATEWAY_TRUSTED_PROXY_HOPS",
    kind: "int",
    for: GW,
    default: "1",
    help: "With GATEWAY_TRUST_PROXY: how many proxies in front of the Gateway append to X-Forwarded-For (a load balancer alone: 1; a CDN then a load balancer: 2). The client is the entry this many from the right; entries further left are the client's own words and are ignored.",
  },
  {
    env: "RATE_LIMIT_CREATE_PER_S",
    kind: "int",
    for: GW,
    default: "5",
    help: "CreateRoom calls per second one client (IP address; IPv6 per /64) may make; beyond it, resource_exhausted. 0: no limit.",
  },
  {
    env: "RATE_LIMIT_CREATE_BURST",
    kind: "int",
    for: GW,
    default: "10",
    help: "CreateRoom calls one client may make at once after a quiet spell.",
  },
  {
    env: "RATE_LIMIT_JOIN_PER_S",
    kind: "int",
    for: GW,
    default: "20",
    help: "JoinRoom calls per second one client may make; beyond it, resource_exhausted. 0: no limit.",
  },
  {
    env: "RATE_LIMIT_JOIN_BURST",
    kind: "int",
    for: GW,
    default: "40",
    help: "JoinRoom calls one client may make at once after a quiet spell.",
  },
  {
    env: "RATE_LIMIT_MAX_CLIENTS",
    kind: "int",
    for: GW,
    default: "100000",
    help: "Most clients whose rate-limit state a Gateway keeps; past it the least recently seen is forgotten (idle clients are dropped anyway once their bucket has refilled).",
  },
  {
    env: "WATCH_MAX_STREAMS_PER_CLIENT",
    kind: "int",
    for: GW,
    default: "4",
    help: "Concurrent WatchCluster streams one client may hold; more get resource_exhausted. 0: no limit.",
  },
  {
    env: "GATEWAY_HEADERS_TIMEOUT_MS",
    kind: "int",
    for: GW,
    default: "10000",
    help: "A new connection must send its first bytes (and the TLS handshake finish), and an HTTP/1.1 request its headers, within this. 0: no limit.",
  },
  {
    env: "GATEWAY_REQUEST_TIMEOUT_MS",
    kind: "int",
    for: GW,
    default: "30000",
    help: "A whole request must arrive within this (HTTP/1.1 and HTTP/2). Responses are not limited: WatchCluster streams run on. 0: no limit.",
  },
  {
    env: "GATEWAY_KEEPALIVE_TIMEOUT_MS",
    kind: "int",
    for: GW,
    default: "65000",
    help: "An HTTP/1.1 connection waiting for its next request is closed after this (longer than a load balancer's usual 60 s idle timeout).",
  },
  {
    env: "GATEWAY_IDLE_TIMEOUT_MS",
    kind: "int",
    for: GW,
    default: "120000",
    help: "An HTTP/2 connection with no call open and no traffic is closed (GOAWAY) after this. Open calls are never cut by it. 0: no limit.",
  },
  {
    env: "GATEWAY_MAX_CONCURRENT_STREAMS",
    kind: "int",
    for: GW,
    default: "100",
    help: "Calls one HTTP/2 connection may have open at once (advertised to the client; a client that opens more loses the connection). At least 1.",
  },
  {
    env: "REJOIN_WINDOW_MS",
    kind: "int",
    for: GW,
    default: "600000",
    help: "How long after its expiry a join token still works as JoinRoom's rejoin_token (the player keeps its id).",
  },

  {
    env: "MANAGER_ADDRESS",
    kind: "string",
    for: ["gateway", "gameserver", ...OPS],
    default: "127.0.0.1:50051",
    help: "Where Gateways and game servers find the Managers: host:port, a comma-separated list of them, or one DNS name that resolves to several. Calls go to any live one.",
  },
  { env: "MANAGER_HOST", kind: "string", for: MG, default: "0.0.0.0", help: "Interface the Manager listens on." },
  { env: "MANAGER_PORT", kind: "int", for: MG, default: "50051", help: "Manager gRPC port (0 picks a free port)." },
  {
    env: "MISSED_REPORTS",
    kind: "int",
    for: MG,
    default: "3",
    help: "A server that sends no report for this many of its report intervals is dead and its rooms move to other servers.",
  },
  {
    env: "OPEN_ROOM_TIMEOUT_MS",
    kind: "int",
    for: MG,
    default: "2000",
    help: "How long the Manager waits for a game server to confirm a new room before trying another.",
  },
  {
    env: "IDEMPOTENCY_TTL_MS",
    kind: "int",
    for: MG,
    default: "600000",
    help: "How long a CreateRoom request_id keeps returning the same room.",
  },
  {
    env: "PLACEMENT_STRATEGY",
    kind: "string",
    for: MG,
    default: "distributed",
    help: "distributed: a new room goes to the server with the most free seats (spreads load); packed: to the fullest server that still fits (fills servers so idle ones can be removed).",
  },
  {
    env: "MANAGER_ID",
    kind: "string",
    for: MG,
    help: "Name of this Manager among those sharing a store (default: hostname-pid-random).",
  },
  {
    env: "MIGRATION_TIMEOUT_MS",
    kind: "int",
    for: MG,
    default: "30000",
    help: "How long a room whose server died or drained may wait for a server with room before it is given up.",
  },
  {
    env: "MANAGER_MAX_SNAPSHOT_BYTES",
    kind: "int",
    for: MG,
    default: "262144",
    help: "Largest room snapshot the Manager keeps in the store; larger ones are dropped with a warning.",
  },
  {
    env: "SWEEP_INTERVAL_MS",
    kind: "int",
    for: MG,
    default: "250",
    help: "How often each Manager looks for dead servers, rooms to move and unconfirmed rooms of a dead Manager.",
  },
  {
    env: "AUTOSCALE_PROVISIONER",
    kind: "string",
    for: ["manager"],
    help: "Turns autoscaling on with this provisioner: process (start and stop `roomgate gameserver` processes on this host, on 127.0.0.1). Unset: no autoscaling. Needs AUTOSCALE_POLICY and ROOMGATE_SECRET.",
  },
  {
    env: "AUTOSCALE_POLICY",
    kind: "string",
    for: ["manager"],
    help: "Free room slots to keep per region, with bounds on its servers: region:buffer=N (rooms) or buffer=N% (of the region's room slots),min=N,max=N, regions separated by ';', e.g. eu:buffer=4,min=1,max=5;us:buffer=25%,max=10 (min defaults to 0).",
  },
  {
    env: "AUTOSCALE_INTERVAL_MS",
    kind: "int",
    for: ["manager"],
    default: "1000",
    help: "How often the autoscaler compares each region with its policy. Of the Managers with a provisioner, one at a time (the holder of a lease in the store) acts.",
  },
  {
    env: "AUTOSCALE_BOOT_TIMEOUT_MS",
    kind: "int",
    for: ["manager"],
    default: "30000",
    help: "A server the autoscaler started that has not registered within this is stopped and no longer counted as booting.",
  },
  {
    env: "AUTOSCALE_SERVER_CAPACITY",
    kind: "int",
    for: ["manager"],
    default: "100",
    help: "Rooms each started game server runs at once (its GAMESERVER_CAPACITY); the autoscaler counts a booting server as this many free room slots.",
  },
  {
    env: "AUTOSCALE_SERVER_MAX_PLAYERS",
    kind: "int",
    for: ["manager"],
    default: "1000",
    help: "Players each started game server holds (its GAMESERVER_MAX_PLAYERS). Other game-server settings in the Manager's environment (REPORT_INTERVAL_MS, DRAIN_MODE, GAMESERVER_LABELS...) pass through to them.",
  },
  {
    env: "AUTOSCALE_MANAGER_ADDRESS",
    kind: "string",
    for: ["manager"],
    help: "MANAGER_ADDRESS given to started game servers: every Manager, as host:port list or DNS name (default: this Manager on 127.0.0.1).",
  },

  {
    env: "GAMESERVER_ID",
    kind: "string",
    for: ["gameserver"],
    help: "Stable id of this game server (default: hostname-port). A server that restarts under the same id within the grace keeps its rooms.",
  },
  {
    env: "GAMESERVER_HOST",
    kind: "string",
    for: GS,
    default: "0.0.0.0",
    help: "Interface the game server listens on.",
  },
  {
    env: "GAMESERVER_PORT",
    kind: "int",
    for: GS,
    default: "7001",
    help: "WebSocket port (0 picks a free port). `up` runs a second server on the next port.",
  },
  {
    env: "GAMESERVER_PUBLIC_ADDRESS",
    kind: "string",
    for: ["gameserver"],
    help: "WebSocket base URL clients use to reach this server (default: ws://127.0.0.1:PORT).",
  },
  { env: "GAMESERVER_REGION", kind: "string", for: GS, default: "local", help: "Region this server registers in." },
  {
    env: "GAMESERVER_ZONE",
    kind: "string",
    for: GS,
    default: "",
    help: "Zone (failure domain) inside the region; rooms can require it as the label zone=...",
  },
  {
    env: "GAMESERVER_LABELS",
    kind: "string",
    for: GS,
    default: "",
    help: "What this server offers, as key=value pairs separated by commas (e.g. mode=ctf,map=dust,version=1.4); CreateRoom and JoinOrCreate can require labels.",
  },
  { env: "GAMESERVER_CAPACITY", kind: "int", for: GS, default: "100", help: "Most rooms this server runs at once." },
  {
    env: "GAMESERVER_MAX_PLAYERS",
    kind: "int",
    for: GS,
    default: "1000",
    help: "Most players this server holds; rooms reserve their max_players against it.",
  },
  {
    env: "REPORT_INTERVAL_MS",
    kind: "int",
    for: GS,
    default: "1000",
    help: "How often the game server reports its load to the Manager.",
  },
  {
    env: "MAX_FRAME_BYTES",
    kind: "int",
    for: GS,
    default: "16384",
    help: "Largest WebSocket frame a client may send; larger ones get an error frame and a close.",
  },
  {
    env: "MAX_MESSAGES_PER_SECOND",
    kind: "int",
    for: GS,
    default: "60",
    help: "Frames per second one client may send (burst of the same size); past it, frames are dropped with a RATE_LIMITED error frame.",
  },
  {
    env: "MAX_BYTES_PER_SECOND",
    kind: "int",
    for: GS,
    default: "65536",
    help: "Bytes per second one client may send, whole frames counted (burst of the same size); past it, frames are dropped with a RATE_LIMITED error frame. Bounds what one sender makes the server relay to a whole room. 0 (off) or at least MAX_FRAME_BYTES.",
  },
  {
    env: "MAX_BACKPRESSURE_BYTES",
    kind: "int",
    for: GS,
    default: "1048576",
    help: "Bytes queued for one slow client before it is dropped.",
  },
  {
    env: "IDLE_TIMEOUT_S",
    kind: "int",
    for: GS,
    default: "60",
    help: "Seconds of silence before a client connection is closed: the server pings a quiet client halfway, and a client that answers (or sends anything) stays. 0 or at least 8.",
  },
  {
    env: "RECONNECT_GRACE_MS",
    kind: "int",
    for: GS,
    default: "0",
    help: "How long an empty room waits for a player to come back before it is removed (0: removed at once).",
  },
  {
    env: "ROOM_STATE_MAX_KEYS",
    kind: "int",
    for: GS,
    default: "256",
    help: "Most keys in one room's shared state (set_state beyond it gets a STATE_LIMIT error frame).",
  },
  {
    env: "ROOM_STATE_MAX_BYTES",
    kind: "int",
    for: GS,
    default: "65536",
    help: "Most bytes of one room's shared state, every key (UTF-8) and value counted.",
  },
  {
    env: "ROOM_STATE_MAX_KEY_CHARS",
    kind: "int",
    for: GS,
    default: "128",
    help: "Longest key of a room's shared state, in characters.",
  },
  {
    env: "SNAPSHOT_INTERVAL_MS",
    kind: "int",
    for: GS,
    default: "1000",
    help: "How often a room whose state or players changed sends its snapshot to the Manager (0: only when it is handed over).",
  },
  {
    env: "SNAPSHOT_MAX_BYTES",
    kind: "int",
    for: GS,
    default: "262144",
    help: "Largest room snapshot sent to the Manager; a larger one is not sent (and logged once per room).",
  },
  {
    env: "MIGRATION_GRACE_MS",
    kind: "int",
    for: GS,
    default: "15000",
    help: "How long a room that moved here keeps its players' seats (and the state they own) for them to come back.",
  },
  {
    env: "DRAIN_MODE",
    kind: "string",
    for: GS,
    default: "migrate",
    help: "What a draining game server (SIGTERM, or the Manager's drain) does with its rooms: migrate (hand them over to other servers at once) or finish (let them play until empty, and migrate what is left after DRAIN_TIMEOUT_MS).",
  },
  {
    env: "DRAIN_TIMEOUT_MS",
    kind: "int",
    for: GS,
    default: "30000",
    help: "How long a finish-mode drain lets rooms play on before it migrates the rest.",
  },
  {
    env: "INTERNAL_TLS_CERT",
    kind: "string",
    for: [...ALL, ...OPS],
    help: "PEM certificate for internal gRPC: the Manager serves TLS with it, Gateways and game servers present it as their client certificate. With INTERNAL_TLS_KEY; unset: internal gRPC is cleartext.",
  },
  { env: "INTERNAL_TLS_KEY", kind: "string", for: [...ALL, ...OPS], help: "PEM private key of INTERNAL_TLS_CERT." },
  {
    env: "INTERNAL_TLS_CA",
    kind: "string",
    for: [...ALL, ...OPS],
    help: "PEM CA bundle for internal gRPC: Gateways and game servers verify the Manager against it, and the Manager requires client certificates signed by it (mutual TLS).",
  },
  {
    env: "SHUTDOWN_TIMEOUT_MS",
    kind: "int",
    for: ALL,
    default: "10000",
    help: "Longest a clean shutdown may take before the process exits anyway; a game server in DRAIN_MODE finish gets DRAIN_TIMEOUT_MS on top.",
  },
];

export function flagName(env: string): string {
  return "--" + env.toLowerCase().replace(/_/g, "-");
}

export class ConfigError extends Error {}

export type Values = Record<string, string | number | undefined>;

/** Reads every setting of a component from flags, then the environment, then defaults. */
export function readSettings(component: Component, argv: string[], env: NodeJS.ProcessEnv): Values {
  const mine = SETTINGS.filter((s) => s.for.includes(component));
  const byFlag = new Map(mine.map((s) => [flagName(s.env), s]));
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const setting = byFlag.get(name);
    if (!setting) throw new ConfigError(`unknown option ${name} for '${component}' (see roomgate ${component} --help)`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new ConfigError(`${name} needs a value`);
    flags.set(setting.env, value);
  }
  const out: Values = {};
  for (const s of mine) {
    const raw = flags.get(s.env) ?? (env[s.env] !== undefined && env[s.env] !== "" ? env[s.env] : s.default);
    if (raw === undefined) continue;
    if (s.kind === "int") {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0)
        throw new ConfigError(`${s.env} (${flagName(s.env)}) must be a whole number >= 0, got '${raw}'`);
      out[s.env] = n;
    } else {
      out[s.env] = raw;
    }
  }
  return out;
}

export function helpText(component?: Component): string {
  const rows = SETTINGS.filter((s) => !component || s.for.includes(component));
  const lines = rows.map((s) => {
    const def = s.default !== undefined ? ` (default: ${s.default})` : "";
    return `  ${flagName(s.env).padEnd(28)} ${s.env}\n      ${s.help}${def}`;
  });
  return lines.join("\n");
}

export function int(v: Values, key: string): number {
  const n = v[key];
  if (typeof n !== "number") throw new ConfigError(`${key} is not set`);
  return n;
}

/** A yes/no setting: true/false, 1/0, yes/no, on/off. */
export function bool(v: Values, key: string): boolean {
  const s = String(v[key] ?? "false")
    .trim()
    .toLowerCase();
  if (["true", "1", "yes", "on"].includes(s)) return true;
  if (["false", "0", "no", "off", ""].includes(s)) return false;
  throw new ConfigError(`${key} (${flagName(key)}) must be true or false, got '${v[key]}'`);
}

export function str(v: Values, key: string): string | undefined {
  const s = v[key];
  return s === undefined ? undefined : String(s);
}

/** "k=v,k2=v2" split into trimmed pairs; `raw` is the pair as written, `value` undefined without "=". */
export function keyValuePairs(text: string): { key: string; value?: string; raw: string }[] {
  return text
    .split(",")
    .map((raw) => raw.trim())
    .filter((raw) => raw !== "")
    .map((raw) => {
      const eq = raw.indexOf("=");
      return eq < 0 ? { key: raw, raw } : { key: raw.slice(0, eq).trim(), value: raw.slice(eq + 1).trim(), raw };
    });
}

/**
 * "k=v,k2=v2" into a game server's labels, held to the rules of the labels it registers with
 * (Register.labels in manager.proto): the .proto is the one place those rules are written.
 */
export function parseLabels(text: string, key: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const { key: k, value = "" } of keyValuePairs(text)) labels[k] = value;
  const broken = fieldViolations(RegisterSchema, { labels }, "labels");
  if (broken.length > 0) throw new ConfigError(`${key}: ${describeViolations(broken)}`);
  return labels;
}
