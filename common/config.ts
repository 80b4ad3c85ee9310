// Every setting is both a flag (--gateway-port 8080) and an environment variable
// (GATEWAY_PORT=8080); a flag wins over the environment, which wins over the default. This table
// is the single source for parsing and for `roomgate --help`.

export type Component = "up" | "gateway" | "manager" | "gameserver";

export interface Setting {
  env: string;
  help: string;
  default?: string;
  kind: "string" | "int";
  for: Component[];
}

const ALL: Component[] = ["up", "gateway", "manager", "gameserver"];
const GW: Component[] = ["up", "gateway"];
const MG: Component[] = ["up", "manager"];
const GS: Component[] = ["up", "gameserver"];

export const SETTINGS: Setting[] = [
  { env: "REDIS_URL", kind: "string", for: ALL, help: "Redis for rooms and servers, e.g. redis://127.0.0.1:6379. Required when components run as separate processes; `up` uses the embedded store without it." },
  { env: "REDIS_KEY_PREFIX", kind: "string", for: ALL, default: "rg:", help: "Prefix of every Redis key, so deployments can share a Redis." },
  { env: "ROOMGATE_SECRET", kind: "string", for: ALL, help: "Secret (16+ bytes) that signs join tokens; the same on every Gateway and game server. `up` makes a random one when unset; other commands refuse to start without it." },
  { env: "LOG_LEVEL", kind: "string", for: ALL, default: "info", help: "debug, info, warn or error." },
  { env: "LOG_FORMAT", kind: "string", for: ALL, default: "text", help: "text, or json for one JSON object per line." },

  { env: "GATEWAY_HOST", kind: "string", for: GW, default: "0.0.0.0", help: "Interface the Gateway listens on." },
  { env: "GATEWAY_PORT", kind: "int", for: GW, default: "8080", help: "Gateway port: Connect, gRPC-Web and gRPC over HTTP/1.1 and HTTP/2 (0 picks a free port)." },
  { env: "GATEWAY_TLS_CERT", kind: "string", for: GW, help: "PEM certificate file; with GATEWAY_TLS_KEY the Gateway serves TLS (HTTP/2 and HTTP/1.1 by ALPN)." },
  { env: "GATEWAY_TLS_KEY", kind: "string", for: GW, help: "PEM private key file for GATEWAY_TLS_CERT." },
  { env: "GATEWAY_CORS_ORIGINS", kind: "string", for: GW, help: "Comma-separated origins whose browser pages may call the Gateway (\"*\" for any). The demo and dashboard it serves itself need none." },
  { env: "GATEWAY_WEB_DIR", kind: "string", for: GW, help: "Built web UI to serve at / (demo) and /dashboard (default: web/dist of this installation; build it with `npm run build:web`)." },
  { env: "JOIN_TOKEN_TTL_MS", kind: "int", for: GW, default: "30000", help: "Lifetime of a join token; a new room nobody joins within it is removed." },
  { env: "ROOM_DEFAULT_MAX_PLAYERS", kind: "int", for: GW, default: "8", help: "Seats in a room when CreateRoom does not say." },
  { env: "ROOM_MAX_PLAYERS_LIMIT", kind: "int", for: GW, default: "256", help: "Largest max_players a client may ask for." },
  { env: "ALLOCATE_TIMEOUT_MS", kind: "int", for: GW, default: "5000", help: "Deadline of the Gateway's AllocateRoom call to the Manager." },

  { env: "MANAGER_ADDRESS", kind: "string", for: ["gateway", "gameserver"], default: "127.0.0.1:50051", help: "host:port where Gateways and game servers find the Manager." },
  { env: "MANAGER_HOST", kind: "string", for: MG, default: "0.0.0.0", help: "Interface the Manager listens on." },
  { env: "MANAGER_PORT", kind: "int", for: MG, default: "50051", help: "Manager gRPC port (0 picks a free port)." },
  { env: "MISSED_REPORTS", kind: "int", for: MG, default: "3", help: "A server that sends no report for this many of its report intervals is dead and its rooms are removed." },
  { env: "OPEN_ROOM_TIMEOUT_MS", kind: "int", for: MG, default: "2000", help: "How long the Manager waits for a game server to confirm a new room before trying another." },
  { env: "IDEMPOTENCY_TTL_MS", kind: "int", for: MG, default: "600000", help: "How long a CreateRoom request_id keeps returning the same room." },

  { env: "GAMESERVER_ID", kind: "string", for: ["gameserver"], help: "Stable id of this game server (default: hostname-port). A server that restarts under the same id within the grace keeps its rooms." },
  { env: "GAMESERVER_HOST", kind: "string", for: GS, default: "0.0.0.0", help: "Interface the game server listens on." },
  { env: "GAMESERVER_PORT", kind: "int", for: GS, default: "7001", help: "WebSocket port (0 picks a free port). `up` runs a second server on the next port." },
  { env: "GAMESERVER_PUBLIC_ADDRESS", kind: "string", for: ["gameserver"], help: "WebSocket base URL clients use to reach this server (default: ws://127.0.0.1:PORT)." },
  { env: "GAMESERVER_REGION", kind: "string", for: GS, default: "local", help: "Region this server registers in." },
  { env: "GAMESERVER_CAPACITY", kind: "int", for: GS, default: "100", help: "Most rooms this server runs at once." },
  { env: "GAMESERVER_MAX_PLAYERS", kind: "int", for: GS, default: "1000", help: "Most players this server holds; rooms reserve their max_players against it." },
  { env: "REPORT_INTERVAL_MS", kind: "int", for: GS, default: "1000", help: "How often the game server reports its load to the Manager." },
  { env: "MAX_FRAME_BYTES", kind: "int", for: GS, default: "16384", help: "Largest WebSocket frame a client may send; larger ones get an error frame and a close." },
  { env: "MAX_MESSAGES_PER_SECOND", kind: "int", for: GS, default: "60", help: "Frames per second one client may send (burst of the same size)." },
  { env: "MAX_BACKPRESSURE_BYTES", kind: "int", for: GS, default: "1048576", help: "Bytes queued for one slow client before it is dropped." },
  { env: "IDLE_TIMEOUT_S", kind: "int", for: GS, default: "60", help: "Seconds of silence before a client connection is closed (pings keep it open)." },
  { env: "RECONNECT_GRACE_MS", kind: "int", for: GS, default: "0", help: "How long an empty room waits for a player to come back before it is removed (0: removed at once)." },
  { env: "SHUTDOWN_TIMEOUT_MS", kind: "int", for: ALL, default: "10000", help: "Longest a clean shutdown may take before the process exits anyway." },
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
      if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${s.env} (${flagName(s.env)}) must be a whole number >= 0, got '${raw}'`);
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

export function str(v: Values, key: string): string | undefined {
  const s = v[key];
  return s === undefined ? undefined : String(s);
}
