import { type Component, MG, OPS, type Setting } from "./component.js";

// Settings of the Manager: where it listens and is found, placement, health and migration.

/** Placement settings: a Gateway places rooms too (GATEWAY_PLACES_ROOMS), with the same values. */
const PLACE: Component[] = [...MG, "gateway"];

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
    env: "FENCING",
    kind: "bool",
    for: MG,
    default: "true",
    help: "Tell game servers to fence (docs/protocol.md, Fencing): a server that no Manager confirms for its lease (the death deadline less FENCE_MARGIN_MS) stops its rooms and sends their players back through the Gateway (4002) before any Manager may move them, so a server cut off from every Manager never runs a room beside its moved copy. Servers whose lease would be under 1 s (report intervals of a few hundred ms) run without it: a busy host's late answers would fence healthy servers. false: cut-off servers keep their rooms until they hear they were declared dead.",
  },
  {
    env: "FENCE_MARGIN_MS",
    kind: "int",
    for: MG,
    default: "500",
    help: "How long before its death deadline (MISSED_REPORTS x its report interval) a cut-off game server fences its rooms: time for it to close them, for its timers to run late on a busy host, and for the Managers' clocks to disagree. At most a sixth of the deadline, so that a server reporting every interval holds two and a half intervals of lease (with MISSED_REPORTS 3) and renews it only when an answer comes late.",
  },
  {
    env: "CRASH_PROBE_MS",
    kind: "int",
    for: MG,
    default: "500",
    help: "When a game server's stream ends, the Manager connects to the server's own port at the address the stream came from, waiting this long (up to three looks, 100 ms apart, while it does not refuse); a refused connection means the process is gone (a crash, not a partition) and the server is dead at once. 0: no probe, every server waits for its missed reports.",
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
    for: PLACE,
    default: "2000",
    help: "How long the Manager waits for a game server to confirm a new room before trying another; a room still OPENING this long (plus 1 s, plus the first join token's life for a room that opens on its token) is reclaimed. Placement setting: give every Manager and Gateway the same value.",
  },
  {
    env: "IDEMPOTENCY_TTL_MS",
    kind: "int",
    for: PLACE,
    default: "600000",
    help: "How long a CreateRoom request_id keeps returning the same room. Placement setting: give every Manager and Gateway the same value.",
  },
  {
    env: "PLACEMENT_STRATEGY",
    kind: "string",
    for: PLACE,
    default: "distributed",
    help: "distributed: a new room goes to the server with the most free seats (spreads load); packed: to the fullest server that still fits (fills servers so idle ones can be removed). Placement setting: give every Manager and Gateway the same value.",
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
