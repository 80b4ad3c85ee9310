import { createHmac, timingSafeEqual } from "node:crypto";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type JoinTokenClaims, JoinTokenClaimsSchema } from "../gen/roomgate/v1/room_pb.js";

// A join token is base64url(JoinTokenClaims).base64url(HMAC-SHA256(secret, claims bytes)).
// Protobuf claims keep the token small and the format defined in one place (room.proto).

export const MIN_SECRET_BYTES = 16;
const MAX_TOKEN_CHARS = 2048;

export type TokenFailure = "malformed" | "bad_signature" | "expired" | "wrong_room" | "wrong_server";

export class TokenError extends Error {
  constructor(readonly reason: TokenFailure) {
    super(`join token refused: ${reason.replace("_", " ")}`);
  }
}

export interface TokenInput {
  roomId: string;
  playerId: string;
  serverId: string;
  playerName: string;
  expireTimeMs: number;
}

export class JoinTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
      throw new Error(`ROOMGATE_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
    }
    this.key = Buffer.from(secret);
  }

  sign(input: TokenInput): string {
    const claims = create(JoinTokenClaimsSchema, {
      roomId: input.roomId,
      playerId: input.playerId,
      serverId: input.serverId,
      playerName: input.playerName,
      expireTimeMs: BigInt(input.expireTimeMs),
    });
    const body = Buffer.from(toBinary(JoinTokenClaimsSchema, claims));
    return body.toString("base64url") + "." + this.mac(body).toString("base64url");
  }

  /** Checks signature, expiry and, when given, that the token names this room and this server. */
  verify(token: string, expect: { roomId?: string; serverId?: string; nowMs?: number } = {}): JoinTokenClaims {
    if (token.length === 0 || token.length > MAX_TOKEN_CHARS) throw new TokenError("malformed");
    const dot = token.indexOf(".");
    if (dot <= 0 || dot !== token.lastIndexOf(".")) throw new TokenError("malformed");
    const body = Buffer.from(token.slice(0, dot), "base64url");
    const sig = Buffer.from(token.slice(dot + 1), "base64url");
    const want = this.mac(body);
    if (sig.length !== want.length || !timingSafeEqual(sig, want)) throw new TokenError("bad_signature");
    let claims: JoinTokenClaims;
    try {
      claims = fromBinary(JoinTokenClaimsSchema, body);
    } catch {
      throw new TokenError("malformed");
    }
    if (Number(claims.expireTimeMs) <= (expect.nowMs ?? Date.now())) throw new TokenError("expired");
    if (expect.roomId !== undefined && claims.roomId !== expect.roomId) throw new TokenError("wrong_room");
    if (expect.serverId !== undefined && claims.serverId !== expect.serverId) throw new TokenError("wrong_server");
    return claims;
  }

  private mac(body: Buffer): Buffer {
    return createHmac("sha256", this.key).update(body).digest();
  }
}
