// What the players saw of their rooms' copies, and the two measures a partition is judged by:
// duplicated rooms (a copy that kept taking input after the room had opened elsewhere) and state
// lost (moves a room had acknowledged that its next copy did not have). Pure: the players
// (players.ts) record, run-chaos.ts asks, test/chaos-measures.test.ts checks the rules.
//
// Every time here is Date.now() on one machine: the players, the harness and every server share
// its clock, so times taken by different processes compare.

/** One connection of a player to a copy of its room, from its welcome on. */
export interface Connection {
  serverId: string;
  welcomedAt: number;
  /**
   * When each update this connection delivered was sent: another player's move that the copy took
   * and relayed. A copy took an update no earlier than its send time.
   */
  relayedSentAt: number[];
}

/** The room opened on a server: the store recorded it there, or a player was welcomed there. */
export interface Opening {
  at: number;
  serverId: string;
}

export interface RoomCopies {
  roomId: string;
  /** From the store's events (ROOM_ALLOCATED, ROOM_MIGRATED), as the harness received them. */
  openings: Opening[];
  connections: Connection[];
}

export interface Duplicate {
  roomId: string;
  /** The old copy's server, and where the room had opened since. */
  oldServer: string;
  newServer: string;
  openedElsewhereAt: number;
  /** The send time of the last update the old copy took after that: how long it went on. */
  lastTakenAt: number;
}

/**
 * A room is duplicated when a copy of it took a player's update (relayed it to another player)
 * that was sent after the room had opened on another server, opened meaning the store recorded
 * it there or one of its players was welcomed there, whichever came first. The send time is
 * before the old copy took the update, and the opening is seen after it happened, so delays only
 * hide a duplicate, never invent one. Two players welcomed by different copies and both getting
 * moves at once are a case of it. Not seen: an old copy that takes input from a player alone in
 * it (it relays to nobody); that input shows as state lost instead.
 */
export function duplicates(room: RoomCopies): Duplicate[] {
  const openings = [
    ...room.openings,
    ...room.connections.map((c) => ({ at: c.welcomedAt, serverId: c.serverId })),
  ].sort((a, b) => a.at - b.at);
  // A copy: a run of openings on one server with none elsewhere between them.
  const copyOf = openings.map((_, i) => i);
  for (let i = 1; i < openings.length; i++)
    if (openings[i]!.serverId === openings[i - 1]!.serverId) copyOf[i] = copyOf[i - 1]!;
  const found = new Map<number, Duplicate>();
  for (const c of room.connections) {
    // The copy this connection reached: that of the last opening on its server up to its welcome.
    const mine = openings.findLastIndex((o) => o.serverId === c.serverId && o.at <= c.welcomedAt);
    const elsewhere = openings.find((o, i) => i > mine && o.serverId !== c.serverId);
    if (mine < 0 || !elsewhere) continue;
    const late = c.relayedSentAt.filter((t) => t > elsewhere.at);
    if (late.length === 0) continue;
    const copy = copyOf[mine]!;
    const d = found.get(copy) ?? {
      roomId: room.roomId,
      oldServer: c.serverId,
      newServer: elsewhere.serverId,
      openedElsewhereAt: elsewhere.at,
      lastTakenAt: 0,
    };
    d.lastTakenAt = Math.max(d.lastTakenAt, ...late);
    found.set(copy, d);
  }
  return [...found.values()];
}

/** One player's moves, in the order sent: tick numbers rise. */
export class Moves {
  private readonly ticks: number[] = [];
  private readonly at: number[] = [];
  /** The highest tick another player got from the room: the room had taken it (and all before it). */
  acked = 0;

  sent(tick: number, at: number) {
    this.ticks.push(tick);
    this.at.push(at);
  }

  /** How long a stretch of this player's movement the room has acknowledged, from its first move. */
  ackedSpanMs(): number {
    const last = this.index(this.acked + 1) - 1;
    return last < 0 ? 0 : this.at[last]! - this.at[0]!;
  }

  sentAt(tick: number): number | undefined {
    const i = this.index(tick);
    return this.ticks[i] === tick ? this.at[i] : undefined;
  }

  /** The first index whose tick is ≥ tick. */
  private index(tick: number) {
    let lo = 0;
    let hi = this.ticks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ticks[mid]! < tick) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * What a copy that shows `restored` (undefined: nothing of this player's) lacks of the acked
   * moves: how many, and how long a stretch of movement they span (from the restored move to the
   * last acked one). Moves go over one ordered connection at a time, so a room that relayed tick
   * L had taken every earlier tick sent on that connection too: everything in (restored, L] is lost.
   */
  loss(restored: number | undefined): { updates: number; ms: number } {
    const from = restored ?? 0;
    if (this.acked <= from) return { updates: 0, ms: 0 };
    const first = this.index(from + 1);
    const last = this.index(this.acked + 1) - 1;
    if (last < first) return { updates: 0, ms: 0 };
    const start = restored !== undefined ? (this.sentAt(restored) ?? this.at[first]!) : this.at[first]!;
    return { updates: last - first + 1, ms: this.at[last]! - start };
  }
}
