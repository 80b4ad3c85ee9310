import { ALL, OPS, type Setting } from "./component.js";

// Settings every component reads: the store, the join-token secret, logging, internal TLS and
// shutdown.

/** The store, the join-token secret and logging; listed first in --help. */
export const SHARED_SETTINGS: Setting[] = [
  {
    env: "REDIS_URL",
    kind: "string",
    for: ALL,
    help: "Redis for rooms, servers and spent join tokens, e.g. redis://127.0.0.1:6379. Required when components run as separate processes (game servers included); `up` uses the embedded store without it.",
  },
  {
    env: "REDIS_CLUSTER",
    kind: "bool",
    for: ALL,
    default: "false",
    help: "REDIS_URL names a Redis Cluster (as does a redis+cluster://host:port,host:port URL): servers and rooms are grouped in cells spread over its masters (see Cells in the README).",
  },
  {
    env: "REDIS_CLUSTER_WAIT_REPLICAS",
    kind: "int",
    for: ALL,
    default: "1",
    help: "On a Redis Cluster, replicas that must hold a room's placement before a client is given the room, and a load report before it is answered (WAIT), so a master's death loses no room a client has and no report a fencing lease rests on; 0 does not wait.",
  },
  {
    env: "REDIS_CLUSTER_WAIT_MS",
    kind: "int",
    for: ALL,
    default: "50",
    help: "On a Redis Cluster, longest a placement waits for its replicas; a master whose replicas miss it is not waited for during the next 5 s (and a warning says so).",
  },
  {
    env: "CELL_MAX_SERVERS",
    kind: "int",
    for: ALL,
    default: "64",
    help: "On a Redis Cluster, how many game servers of a region fill one cell before the region gets another; a server labelled cell=N goes to cell N instead.",
  },
  {
    env: "CELL_SUMMARY_REFRESH_MS",
    kind: "int",
    for: ALL,
    default: "250",
    help: "On a Redis Cluster, how stale a Manager's view of each cell's free capacity may get (it only orders the cells an allocation tries; each cell checks atomically).",
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
    for: ALL,
    default: "1000",
    help: "Longest a Redis command may take before the call fails as unavailable. While Redis is unreachable, calls fail at once.",
  },
  {
    env: "REDIS_RECONNECT_MAX_MS",
    kind: "int",
    for: ALL,
    default: "1000",
    help: "Longest wait between two attempts to reconnect to Redis (backoff from 50 ms, forever); bounds how long recovery takes once Redis is back.",
  },
  {
    env: "REDIS_AUTO_PIPELINING",
    kind: "bool",
    for: ALL,
    default: "false",
    help: "Holds a process's Redis commands of one event-loop turn back until its end and sends them in one write (ioredis's auto-pipelining). Off, each command leaves at once, which costs less CPU until a process has on the order of a hundred commands in flight at once (`npm run bench:redis-calls`); the room path's servers are far below that. Not on a Redis Cluster, where it is always off.",
  },
  {
    env: "ROOMGATE_SECRET",
    kind: "string",
    for: ALL,
    help: "Secret (16+ bytes) that signs join tokens (key id `default`); the same on every Gateway and game server. JOIN_TOKEN_SECRETS instead lists several, for rotation. `up` makes a random one when neither is set; other commands refuse to start without one.",
  },
  {
    env: "EVENT_HISTORY_MAX_EVENTS",
    kind: "int",
    for: ALL,
    default: "200",
    help: "Cluster events (allocations, clean-ups, servers coming and going, moves) the store keeps, the newest, so a dashboard opened later lists them under Recent events; 0 keeps none.",
  },
  {
    env: "EVENT_HISTORY_MAX_AGE_MS",
    kind: "int",
    for: ALL,
    default: "300000",
    help: "Kept events older than this (5 min) are no longer shown to a dashboard that opens; in Redis the list expires this long after the last event.",
  },
  {
    env: "EVENT_FLUSH_MS",
    kind: "int",
    for: ALL,
    default: "20",
    help: "How long a process gathers the cluster events it publishes (a Gateway's allocations, a game server's clean-ups) before it sends them to Redis in one call; dashboards see them this much later. 0 sends each turn of the event loop's at once.",
  },
  { env: "LOG_LEVEL", kind: "string", for: ALL, default: "info", help: "debug, info, warn or error." },
  { env: "LOG_FORMAT", kind: "string", for: ALL, default: "text", help: "text, or json for one JSON object per line." },
];

/** Internal TLS and shutdown; listed last in --help. */
export const PROCESS_SETTINGS: Setting[] = [
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
