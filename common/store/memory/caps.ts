import { type Cap, type Holder, type OverCap, overCap } from "../caps.js";

// The memory store's per-caller caps (see ../caps.ts): per caller, the rooms it made and the
// seats held for it, each until its window ends, checked against the rooms when counted.

interface Given {
  /** Room id -> when its first-join window ends. */
  rooms: Map<string, number>;
  /** "roomId playerId" -> when the hold lapses. */
  seats: Map<string, number>;
}

/** What the caps read of a room (a RoomRecord of state.ts). */
interface RoomSeen {
  joined?: boolean;
  holds: Map<string, number>;
}

export class MemoryCaps {
  // Least recently given first: every grant moves its caller to the end, so the sweep looks at
  // the callers most likely to have nothing left.
  private readonly callers = new Map<string, Given>();

  constructor(private readonly rooms: ReadonlyMap<string, RoomSeen>) {}

  /** The cap the caller is at, of those asked about; undefined when it may have one more of each. */
  check(h: Holder | undefined, nowMs: number, wants: { room: boolean; seat: boolean }): OverCap | undefined {
    if (!h) return undefined;
    const g = this.callers.get(h.id);
    if (!g) return undefined;
    if (wants.room && h.maxUnjoinedRooms > 0 && this.unjoinedRooms(g, nowMs) >= h.maxUnjoinedRooms)
      return overCap("rooms", h);
    if (wants.seat && h.maxUnusedSeats > 0 && this.unusedSeats(g, nowMs) >= h.maxUnusedSeats)
      return overCap("seats", h);
    return undefined;
  }

  /** Records a room (and its creator's seat) or a seat given to the caller, for caps that are on. */
  record(h: Holder | undefined, nowMs: number, given: { roomId: string; room?: number; seat?: [string, number] }) {
    if (!h) return;
    const on = (cap: Cap) => (cap === "rooms" ? h.maxUnjoinedRooms : h.maxUnusedSeats) > 0;
    if (!on("rooms") && !on("seats")) return;
    const g = this.callers.get(h.id) ?? { rooms: new Map(), seats: new Map() };
    this.callers.delete(h.id);
    this.callers.set(h.id, g);
    if (given.room !== undefined && on("rooms")) g.rooms.set(given.roomId, given.room);
    if (given.seat && on("seats")) g.seats.set(`${given.roomId} ${given.seat[0]}`, given.seat[1]);
    this.sweep(nowMs);
  }

  /** Callers remembered (tests: the map stays bounded). */
  get size() {
    return this.callers.size;
  }

  private unjoinedRooms(g: Given, nowMs: number): number {
    for (const [roomId, until] of g.rooms) {
      const rec = this.rooms.get(roomId);
      if (until <= nowMs || !rec || rec.joined) g.rooms.delete(roomId);
    }
    return g.rooms.size;
  }

  private unusedSeats(g: Given, nowMs: number): number {
    for (const [seat, until] of g.seats) {
      const [roomId, playerId] = seat.split(" ") as [string, string];
      const held = this.rooms.get(roomId)?.holds.get(playerId);
      if (until <= nowMs || held === undefined || held <= nowMs) g.seats.delete(seat);
    }
    return g.seats.size;
  }

  /** Forgets the oldest couple of callers once nothing they were given still counts. */
  private sweep(nowMs: number) {
    let checked = 0;
    for (const [id, g] of this.callers) {
      if (checked++ >= 2) break;
      if (this.unjoinedRooms(g, nowMs) === 0 && this.unusedSeats(g, nowMs) === 0) this.callers.delete(id);
    }
  }
}
