import { ConfigError, int, str, type Values } from "../common/config.js";
import { type PlayerVerifier, playerVerifier } from "../gateway/player-auth.js";

// Player auth from settings: none (anonymous players), an HS256 secret or an issuer's JWKS.

/** The join token must fit a WebSocket handshake (common/token.ts MAX_TOKEN_CHARS), claims included. */
const MAX_CLAIMS_BYTES_LIMIT = 1536;

export function playerAuth(v: Values): PlayerVerifier | undefined {
  const jwtSecret = str(v, "AUTH_JWT_SECRET");
  const jwksUrl = str(v, "AUTH_JWKS_URL");
  if (!jwtSecret && !jwksUrl) return undefined;
  const maxClaimsBytes = int(v, "AUTH_MAX_CLAIMS_BYTES");
  if (maxClaimsBytes < 64 || maxClaimsBytes > MAX_CLAIMS_BYTES_LIMIT)
    throw new ConfigError(`AUTH_MAX_CLAIMS_BYTES must be between 64 and ${MAX_CLAIMS_BYTES_LIMIT}`);
  try {
    return playerVerifier({
      jwtSecret,
      jwksUrl,
      issuer: str(v, "AUTH_ISSUER"),
      audience: str(v, "AUTH_AUDIENCE"),
      nameClaim: str(v, "AUTH_NAME_CLAIM") ?? "name",
      maxClaimsBytes,
    });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}
