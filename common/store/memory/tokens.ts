import type { SpentTokens } from "../tokens.js";

// The memory store's spent tokens: id -> expiry, in the order they were spent. Tokens expire in
// roughly that order (one TTL for all), so dropping expired ones from the front keeps the map to
// the live tokens without scanning it.

export class MemorySpentTokens implements SpentTokens {
  private readonly spent = new Map<string, number>();
  /** The spent ids that a hand-on spent (handOnToken), not a use. */
  private readonly handedOn = new Set<string>();

  async spendToken(t: { tokenId: string; untilMs: number; nowMs: number }) {
    return this.spend(t);
  }

  async handOnToken(t: { tokenId: string; untilMs: number; nowMs: number }) {
    if (this.spend(t)) {
      this.handedOn.add(t.tokenId);
      return true;
    }
    return this.handedOn.has(t.tokenId);
  }

  /** spendToken, synchronously: for a game server's own record (gameserver/ws-server.ts). */
  spend({ tokenId, untilMs, nowMs }: { tokenId: string; untilMs: number; nowMs: number }): boolean {
    for (const [id, until] of this.spent) {
      if (until > nowMs) break;
      this.spent.delete(id);
      this.handedOn.delete(id);
    }
    const until = this.spent.get(tokenId);
    if (until !== undefined && until > nowMs) return false;
    this.spent.delete(tokenId);
    this.handedOn.delete(tokenId);
    this.spent.set(tokenId, untilMs);
    return true;
  }
}
