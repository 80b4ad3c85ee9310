import { GW, type Setting } from "./component.js";

// Settings of the Gateway: where it listens, regions, room defaults, per-client limits and
// connection timeouts.

/** RATE_LIMIT_{name}_PER_S and _BURST for one kind of call. */
function rateLimit(name: string, calls: string, perSecond: number, burst: number): Setting[] {
  return [
    {
      env: `RATE_LIMIT_${name}_PER_S`,
      kind: "int",
      for: GW,
      default: String(perSecond),
      help: `${calls} calls per second one client (IP address, IPv6 per /64) may make, counted across every Gateway sharing the Redis; beyond it, resource_exhausted with Retry-After. 0: no limit.`,
    },
    {
      env: `RATE_LIMIT_${name}_BURST`,
      kind: "int",
      for: GW,
      default: String(burst),
      help: `${calls} calls one client may make at once after a quiet spell (at least the rate; the extra is spread over the next BURST / PER_S seconds).`,
    },
  ];
}

/** The Gateway's settings, in --help order. */
export const GATEWAY_SETTINGS: Setting[] = [
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
    default: "10000",
    help: "A join token must be first used within this: the seat it holds is freed when it passes unused, and a new room nobody joins within it is removed.",
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
    env: "GATEWAY_PLACES_ROOMS",
    kind: "bool",
    for: GW,
    default: "true",
    help: "The Gateway places a new room in the store itself when the chosen game server opens rooms on their first join token (no Manager needs to ask it anything), with the Managers' OPEN_ROOM_TIMEOUT_MS, IDEMPOTENCY_TTL_MS and PLACEMENT_STRATEGY; any other room, and a retried request_id, goes to a Manager. false: every room goes to a Manager.",
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
  ...rateLimit("CREATE", "CreateRoom", 5, 10),
  ...rateLimit("JOIN", "JoinRoom", 20, 40),
  ...rateLimit("QUICKJOIN", "JoinOrCreate", 5, 10),
  ...rateLimit("READ", "GetRoom, ListRooms, ListRegions and WatchCluster (together)", 20, 40),
  {
    env: "CLIENT_MAX_UNJOINED_ROOMS",
    kind: "int",
    for: GW,
    default: "4",
    help: "Rooms one client may have made that nobody has joined yet (each counts until a player joins it or JOIN_TOKEN_TTL_MS passes); more get resource_exhausted. Shared by every Gateway through the store. 0: no cap.",
  },
  {
    env: "CLIENT_MAX_UNUSED_SEATS",
    kind: "int",
    for: GW,
    default: "16",
    help: "Seats held for one client (CreateRoom, JoinRoom, JoinOrCreate, each one join token) that nobody has used yet (each counts until its player joins or JOIN_TOKEN_TTL_MS passes); more get resource_exhausted. Shared by every Gateway through the store. 0: no cap.",
  },
  {
    env: "ADMIN_TOKEN",
    kind: "string",
    for: [...GW, "manager", "gameserver", "drain", "servers"],
    help: "Operator bearer token (16+ characters), sent as `authorization: Bearer <token>`. A Gateway requires it for WatchCluster and the dashboard, and refuses them without one set; a Manager with one requires it for ListServers and DrainServer; `drain` and `servers` send it. `up` makes a random one and prints the dashboard URL with it. When set, every component's GET /metrics (METRICS_PORT) requires it too.",
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
];
