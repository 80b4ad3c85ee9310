import type { SpentTokens } from "../tokens.js";
import type { RedisContext } from "./context.js";

// The Redis store's spent tokens: one key per token, SET NX with the token's remaining lifetime,
// so Redis forgets it when the token could not be used anyway.

export class RedisSpentTokens implements SpentTokens {
  constructor(private readonly c: RedisContext) {}

  async spendToken({ tokenId, untilMs, nowMs }: { tokenId: string; untilMs: number; nowMs: number }) {
    const ttlMs = Math.max(1, Math.ceil(untilMs - nowMs));
    return (await this.c.redis.set(this.c.keys.spentToken(tokenId), "1", "PX", ttlMs, "NX")) === "OK";
  }
}
