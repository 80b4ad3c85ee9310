import { ALL, GS, GW, type Setting } from "./component.js";

// Settings of who players are and what their tickets allow: join-token secrets (rotation),
// single-use tokens and rejoins, and verified players (identity tokens checked at the Gateway).

/** Join tokens and player auth, in --help order. */
export const PLAYER_SETTINGS: Setting[] = [
  {
    env: "JOIN_TOKEN_SECRETS",
    kind: "string",
    for: ALL,
    help: "Join-token secrets as kid:secret,kid:secret (kid: 1-32 of A-Z a-z 0-9 _ -; secrets 16+ bytes, no commas). The first signs, every one is accepted, so a secret rotates with no downtime (README: Join tokens and secret rotation). Instead of ROOMGATE_SECRET, which is the same as default:<secret>. A Manager passes it to the game servers it starts.",
  },
  {
    env: "SESSION_MAX_MS",
    kind: "int",
    for: GW,
    default: "86400000",
    help: "Absolute lifetime of a player's session in a room: no rejoin (rejoin_token) is granted later than this after its first ticket, however often it rejoined.",
  },
  {
    env: "REJOIN_GRACE_MS",
    kind: "int",
    for: GS,
    default: "120000",
    help: "How long a player whose connection dropped may come back as itself (a rejoin ticket); a player that left (close 1000) may not. 0: only players still in the room or awaited after a move.",
  },
  {
    env: "AUTH_JWT_SECRET",
    kind: "string",
    for: GW,
    help: "Verified players: every Gateway call must carry Authorization: Bearer <JWT> signed HS256 with this secret (32+ bytes). The player id is its sub. Unset (and no AUTH_JWKS_URL): players are anonymous.",
  },
  {
    env: "AUTH_JWKS_URL",
    kind: "string",
    for: GW,
    help: "Verified players with RS256/ES256 identity tokens: the JWKS URL of their issuer (keys cached, refetched for an unknown kid at most every 30 s). Exclusive with AUTH_JWT_SECRET.",
  },
  { env: "AUTH_ISSUER", kind: "string", for: GW, help: "Identity tokens must have this iss (checked when set)." },
  { env: "AUTH_AUDIENCE", kind: "string", for: GW, help: "Identity tokens must have this aud (checked when set)." },
  {
    env: "AUTH_NAME_CLAIM",
    kind: "string",
    for: GW,
    default: "name",
    help: "The identity-token claim that is the player's name (the sub when the token has none); the request's player_name is ignored.",
  },
  {
    env: "AUTH_MAX_CLAIMS_BYTES",
    kind: "int",
    for: GW,
    default: "1024",
    help: "Largest identity-token payload (JSON bytes) the Gateway accepts: its claims travel in the join token, which must fit a WebSocket handshake.",
  },
];
