import type { JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextKey, type Interceptor } from "@connectrpc/connect";
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { GatewayService } from "../gen/roomgate/v1/gateway_pb.js";

// Verified players: with an HS256 secret or an issuer's JWKS configured, every player call to
// the Gateway carries `Authorization: Bearer <identity token>`, and the player is who the token
// says (`sub`). The claims go on in the join token, so the game server (and room logic) knows them.

export interface PlayerAuthOptions {
  /** HS256 secret (32+ bytes). Exactly one of jwtSecret and jwksUrl. */
  jwtSecret?: string;
  /** The issuer's JWKS (RS256, ES256): fetched on first use, cached, refetched for an unknown kid. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** The claim that is the player's name; the sub when absent. */
  nameClaim: string;
  /** Largest payload (JSON bytes) accepted: the claims must fit in a join token. */
  maxClaimsBytes: number;
  /** Clock skew tolerated on exp and nbf, seconds; default 5. */
  clockToleranceS?: number;
  /** Least time between two JWKS fetches for unknown key ids, ms; default 30000. */
  jwksCooldownMs?: number;
}

export interface VerifiedPlayer {
  /** The token's sub: the player id. */
  id: string;
  name: string;
  claims: JsonObject;
}

/** Checks an Authorization header; rejects with a ConnectError (unauthenticated, or unavailable when the JWKS cannot be had). */
export type PlayerVerifier = (authorization: string | null) => Promise<VerifiedPlayer>;

/** The verified player of a call, or undefined when players are anonymous. */
export const playerKey = createContextKey<VerifiedPlayer | undefined>(undefined, {
  description: "the verified player (player auth)",
});

const MIN_HS256_SECRET_BYTES = 32;
/** The same shape as generated player ids: a verified id goes where those go. */
const MAX_SUB_CHARS = 128;
const MAX_NAME_CHARS = 64;

export function playerVerifier(o: PlayerAuthOptions): PlayerVerifier {
  if (!!o.jwtSecret === !!o.jwksUrl)
    throw new Error("player auth needs exactly one of AUTH_JWT_SECRET and AUTH_JWKS_URL");
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (o.jwtSecret) {
    if (Buffer.byteLength(o.jwtSecret) < MIN_HS256_SECRET_BYTES)
      throw new Error(`AUTH_JWT_SECRET must be at least ${MIN_HS256_SECRET_BYTES} bytes`);
    key = new TextEncoder().encode(o.jwtSecret);
    algorithms = ["HS256"];
  } else {
    let url: URL;
    try {
      url = new URL(o.jwksUrl!);
    } catch {
      throw new Error(`AUTH_JWKS_URL is not a URL: ${o.jwksUrl}`);
    }
    key = createRemoteJWKSet(url, {
      cooldownDuration: o.jwksCooldownMs ?? 30_000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 5_000,
    });
    algorithms = ["RS256", "ES256"];
  }
  const options = {
    algorithms,
    issuer: o.issuer || undefined,
    audience: o.audience || undefined,
    clockTolerance: o.clockToleranceS ?? 5,
    requiredClaims: ["sub", "exp"],
  };
  return async (authorization) => {
    const token = /^Bearer ([A-Za-z0-9_.~+/=-]+)$/i.exec(authorization?.trim() ?? "")?.[1];
    if (!token) throw new ConnectError("missing Authorization: Bearer <identity token>", Code.Unauthenticated);
    let payload: JWTPayload;
    try {
      ({ payload } =
        typeof key === "function" ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options));
    } catch (e) {
      throw refusal(e);
    }
    const sub = payload.sub ?? "";
    if (sub.length === 0 || sub.length > MAX_SUB_CHARS || /\p{Cc}/u.test(sub))
      throw new ConnectError(
        `identity token sub must be 1-${MAX_SUB_CHARS} printable characters`,
        Code.Unauthenticated,
      );
    if (Buffer.byteLength(JSON.stringify(payload)) > o.maxClaimsBytes)
      throw new ConnectError(`identity token claims exceed ${o.maxClaimsBytes} bytes`, Code.Unauthenticated);
    const named = payload[o.nameClaim];
    const name = typeof named === "string" && named.length > 0 ? named : sub;
    return {
      id: sub,
      name: [...name.replace(/\p{Cc}/gu, "")].slice(0, MAX_NAME_CHARS).join(""),
      claims: payload as JsonObject,
    };
  };
}

/** jose's reasons as status codes: the client's token is at fault, unless the issuer's keys could not be had. */
function refusal(e: unknown): ConnectError {
  if (e instanceof errors.JWKSTimeout || (e instanceof errors.JOSEError && e.code === "ERR_JWKS_INVALID")) {
    return new ConnectError(`identity token keys unavailable: ${e.message}`, Code.Unavailable);
  }
  if (e instanceof errors.JOSEError) {
    const why = e instanceof errors.JWTExpired ? "expired" : e.message;
    return new ConnectError(`identity token refused: ${why}`, Code.Unauthenticated);
  }
  // fetch failed (JWKS host unreachable): our side, not the client's.
  return new ConnectError(`identity token keys unavailable: ${(e as Error).message}`, Code.Unavailable);
}

/**
 * Every player call needs a verified player; the operator's WatchCluster is not a player call
 * (the admin plane guards it). The player goes under `playerKey` for the handlers.
 */
export function playerAuthInterceptor(verify: PlayerVerifier): Interceptor {
  const operatorOnly = new Set<string>([GatewayService.method.watchCluster.name]);
  return (next) => async (req) => {
    if (operatorOnly.has(req.method.name)) return next(req);
    req.contextValues.set(playerKey, await verify(req.header.get("authorization")));
    return next(req);
  };
}
