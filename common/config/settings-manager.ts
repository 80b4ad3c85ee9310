import { MG, OPS, type Setting } from "./component.js";

// Settings of the Manager: where it listens and is found, placement, health and migration.

/** The Manager's settings, in --help order. */
export const MANAGER_SETTINGS: Setting[] = [
  {
    env: "MANAGER_ADDRESS",
    kind: "string",
    for: ["gateway", "gameserver", ...OPS],
    default: "127.0.0.1:50051",
    help: "Where Gateways and game servers find the Managers: host:port, a comma-separated list of them, or one DNS name that resolves to several. Calls go to any live one.",
  },
  {
    env: "MANAGER_HOST",
    kind: "string",
    for: MG,
    default: "127.0.0.1",
    help: "Interface the Manager listens on. Anything but loopback needs mutual TLS (INTERNAL_TLS_CA, _CERT, _KEY) or --insecure-internal.",
  },
  {
    env: "INSECURE_INTERNAL",
    kind: "bool",
    for: MG,
    default: "false",
    help: "Let the Manager listen on a non-loopback MANAGER_HOST without mutual TLS: anyone who reaches its port can register game servers, allocate rooms and drain servers. Only on a network nobody else reaches; logged as a warning at start.",
  },
  {
    env: "INTERNAL_TLS_TRUST_DOMAIN",
    kind: "string",
    for: MG,
    default: "roomgate",
    help: "Trust domain of the SPIFFE IDs the Manager reads from client certificates under mutual TLS: spiffe://<domain>/gateway, spiffe://<domain>/operator, spiffe://<domain>/gameserver/<server-id>.",
  },
  { env: "MANAGER_PORT", kind: "int", for: MG, default: "50051", help: "Manager gRPC port (0 picks a free port)." },
  {
    env: "MISSED_REPORTS",
    kind: "int",
    for: MG,
    default: "3",
    help: "A server that sends no report for this many of its report intervals is dead and its rooms move to other servers.",
  },
  {
    env: "HEARTBEAT_SLACK_MS",
    kind: "int",
    for: MG,
    default: "1000",
    help: "A game server whose load does not change may skip reports, but must report again this long (and at least one report interval) before its death deadline (MISSED_REPORTS x its interval); a server whose deadline leaves no room for that reports every interval. Told to servers at registration.",
  },
  {
    env: "CRASH_PROBE_MS",
    kind: "int",
    for: MG,
    default: "500",
    help: "When a game server's stream ends, the Manager connects to the server's own port at the address the stream came from, waiting this long; a refused connection means the process is gone (a crash, not a partition) and the server is dead at once. 0: no probe, every server waits for its missed reports.",
  },
  {
    env: "LOAD_REPORT_BATCH_MS",
    kind: "int",
    for: MG,
    default: "20",
    help: "Game servers' load reports that reach a Manager within this window are recorded in the store in one call (at most 500); 0 records each report alone. A report's deadline moves this much later at most.",
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
];
