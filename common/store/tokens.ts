// Spent join tokens: a join token opens one connection. Its id is spent on first use, and stays
// spent until the token expires (after which its signature check refuses it anyway), so the
// store holds at most the tokens of the last JOIN_TOKEN_TTL_MS.

export interface SpentTokens {
  /**
   * Spends a join token's id until untilMs (the token's expiry): true the first time, false when
   * it was spent already. One atomic step, so of two racing uses exactly one wins.
   */
  spendToken(t: { tokenId: string; untilMs: number; nowMs: number }): Promise<boolean>;

  /**
   * Spends a join token nobody used, for the Gateway handing its player on with a new one: true
   * when it was unused, or spent only by an earlier hand-on (a retried call whose answer was
   * lost); false when it was used. A token handed on is spent for any later use.
   */
  handOnToken(t: { tokenId: string; untilMs: number; nowMs: number }): Promise<boolean>;
}
