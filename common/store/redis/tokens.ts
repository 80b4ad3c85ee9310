import type { SpentTokens } from "../tokens.js";
import type { RedisContext } from "./context.js";
import { script } from "./lua.js";

// The Redis store's spent tokens: one key per token, SET NX with the token's remaining lifetime,
// so Redis forgets it when the token could not be used anyway. A use writes '1' (so does
// open-on-token.lua), a hand-on 'h': a retried hand-on tells its own spend from a use.

const ttlOf = (untilMs: number, nowMs: number) => Math.max(1, Math.ceil(untilMs - nowMs));

export const HAND_ON_TOKEN = script<number>()({
  file: "hand-on-token",
  keys: ["spentKey"],
  args: ["ttlMs"],
  encode: (k, t: { tokenId: string; untilMs: number; nowMs: number }) => ({
    keys: { spentKey: k.spentToken(t.tokenId) },
    args: { ttlMs: ttlOf(t.untilMs, t.nowMs) },
  }),
});

export class RedisSpentTokens implements SpentTokens {
  constructor(private readonly c: RedisContext) {}

  async spendToken({ tokenId, untilMs, nowMs }: { tokenId: string; untilMs: number; nowMs: number }) {
    return (await this.c.redis.set(this.c.keys.spentToken(tokenId), "1", "PX", ttlOf(untilMs, nowMs), "NX")) === "OK";
  }

  async handOnToken(t: { tokenId: string; untilMs: number; nowMs: number }) {
    return (await this.c.run(HAND_ON_TOKEN, t)) === 1;
  }
}
