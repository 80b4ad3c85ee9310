import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";
import { create, fromBinary, type JsonObject, toBinary } from "@bufbuild/protobuf";
import { type JoinTokenClaims, JoinTokenClaimsSchema, type RoomOpenClaims } from "../gen/roomgate/v1/room_pb.js";
import { randomBytesPooled } from "./ids.js";

// A join token is {kid}.base64url(JoinTokenClaims).base64url(HMAC-SHA256(secret of kid, "{kid}.{claims}")).
// Protobuf claims keep the token small and the format defined in one place (room.proto). The key
// id names which of the configured secrets signed it, so a secret can be rotated with no
// downtime: every component accepts each secret of its list, and the first one signs.

export const MIN_SECRET_BYTES = 16;
/** Room URLs and Sec-WebSocket-Protocol must carry it: uWS reads at most 4 KiB of headers. */
export const MAX_TOKEN_CHARS = 3072;
const KID = /^[A-Za-z0-9_-]{1,32}$/;
/** The key id of a lone ROOMGATE_SECRET. */
export const DEFAULT_KID = "default";

export type TokenFailure = "malformed" | "unknown_key" | "bad_signature" | "expired" | "wrong_room" | "wrong_server";

export class TokenError extends Error {
  constructor(readonly reason: TokenFailure) {
    super(`join token refused: ${reason.replace("_", " ")}`);
  }
}

export interface SigningKey {
  kid: string;
  secret: string;
}

export interface TokenInput {
  roomId: string;
  playerId: string;
  serverId: string;
  playerName: string;
  expireTimeMs: number;
  /** When the player's session in the room began; default now (a first ticket). */
  sessionStartMs?: number;
  /** A ticket to come back as playerId (the game server checks the player is expected back). */
  rejoin?: boolean;
  /** The verified player's identity claims (player auth). */
  playerClaims?: JsonObject;
  /** What opens the room on its server, while it is not open there yet (see common/open-claims.ts). */
  open?: RoomOpenClaims;
  /** Default 16 random bytes; fixed only by the published test vectors (docs/vectors/join-tokens.json). */
  tokenId?: Uint8Array;
}

/**
 * Parses JOIN_TOKEN_SECRETS, `kid1:secret1,kid2:secret2` (the first signs; each kid at most 32
 * of A-Z a-z 0-9 _ -, each secret 16+ bytes and free of commas).
 */
export function parseSigningKeys(spec: string): SigningKey[] {
  const keys = spec
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.indexOf(":");
      if (colon <= 0) throw new Error(`JOIN_TOKEN_SECRETS: '${entry.slice(0, 8)}…' is not kid:secret`);
      return { kid: entry.slice(0, colon), secret: entry.slice(colon + 1) };
    });
  if (keys.length === 0) throw new Error("JOIN_TOKEN_SECRETS names no secret");
  return keys;
}

export class JoinTokens {
  /** Key objects made once: an HMAC keyed by one costs less than one keyed by bytes each time. */
  private readonly keys = new Map<string, KeyObject>();
  private readonly signer: string;

  /** A lone secret (ROOMGATE_SECRET) has the key id "default"; with a list, the first key signs. */
  constructor(keys: string | SigningKey[]) {
    const list = typeof keys === "string" ? [{ kid: DEFAULT_KID, secret: keys }] : keys;
    if (list.length === 0) throw new Error("join tokens need at least one secret");
    for (const { kid, secret } of list) {
      if (!KID.test(kid)) throw new Error(`join-token key id '${kid}' must be 1-32 of A-Z a-z 0-9 _ -`);
      if (this.keys.has(kid)) throw new Error(`join-token key id '${kid}' is listed twice`);
      if (Buffer.byteLength(secret) < MIN_SECRET_BYTES)
        throw new Error(`join-token secret '${kid}' must be at least ${MIN_SECRET_BYTES} bytes`);
      this.keys.set(kid, createSecretKey(Buffer.from(secret)));
    }
    this.signer = list[0]!.kid;
  }

  /** The key id new tokens are signed with. */
  get signingKid(): string {
    return this.signer;
  }

  sign(input: TokenInput): string {
    const claims = create(JoinTokenClaimsSchema, {
      roomId: input.roomId,
      playerId: input.playerId,
      serverId: input.serverId,
      playerName: input.playerName,
      expireTimeMs: BigInt(input.expireTimeMs),
      tokenId: input.tokenId ?? randomBytesPooled(16),
      sessionStartMs: BigInt(input.sessionStartMs ?? Date.now()),
      rejoin: input.rejoin ?? false,
      playerClaims: input.playerClaims,
      open: input.open,
    });
    const signed = `${this.signer}.${Buffer.from(toBinary(JoinTokenClaimsSchema, claims)).toString("base64url")}`;
    const token = `${signed}.${this.mac(this.keys.get(this.signer)!, signed).toString("base64url")}`;
    if (token.length > MAX_TOKEN_CHARS) throw new TokenError("malformed");
    return token;
  }

  /** Checks key id, signature, expiry and, when given, that the token names this room and this server. */
  verify(token: string, expect: { roomId?: string; serverId?: string; nowMs?: number } = {}): JoinTokenClaims {
    if (token.length === 0 || token.length > MAX_TOKEN_CHARS) throw new TokenError("malformed");
    // kid.body.sig, three parts none empty; the signed part is a slice of the token, not a join
    // of two more strings (every join of a game server passes here).
    const first = token.indexOf(".");
    const last = token.lastIndexOf(".");
    if (first <= 0 || last <= first + 1 || last === token.length - 1 || token.indexOf(".", first + 1) !== last)
      throw new TokenError("malformed");
    const key = this.keys.get(token.slice(0, first));
    if (!key) throw new TokenError("unknown_key");
    const got = Buffer.from(token.slice(last + 1), "base64url");
    const want = this.mac(key, token.slice(0, last));
    if (got.length !== want.length || !timingSafeEqual(got, want)) throw new TokenError("bad_signature");
    let claims: JoinTokenClaims;
    try {
      claims = fromBinary(JoinTokenClaimsSchema, Buffer.from(token.slice(first + 1, last), "base64url"));
    } catch {
      throw new TokenError("malformed");
    }
    if (Number(claims.expireTimeMs) <= (expect.nowMs ?? Date.now())) throw new TokenError("expired");
    if (expect.roomId !== undefined && claims.roomId !== expect.roomId) throw new TokenError("wrong_room");
    if (expect.serverId !== undefined && claims.serverId !== expect.serverId) throw new TokenError("wrong_server");
    return claims;
  }

  private mac(key: KeyObject, signed: string): Buffer {
    return createHmac("sha256", key).update(signed).digest();
  }
}
