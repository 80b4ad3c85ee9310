// Spent join tokens: a join token opens one connection. Its id is spent on first use, and stays
// spent until the token expires (after which its signature check refuses it anyway), so the
// store holds at most the tokens of the last JOIN_TOKEN_TTL_MS.

export interface SpentTokens {
  /**
   * Spends a join token's id until untilMs (the token's expiry): true the first time, false when
   * it was spent already. One atomic step, so of two racing uses exactly one wins.
   */
  spendToken(t: { tokenId: string; untilMs: number; nowMs: number }): Promise<boolean>;
}
