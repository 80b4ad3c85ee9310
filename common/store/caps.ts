// Per-caller caps on capacity nobody uses yet: rooms a caller made that nobody has joined, and
// seats held for it (join tokens) that nobody has used. Checked and recorded in the same atomic
// step that makes the room or holds the seat, so a burst of calls from one caller, on any number
// of Gateways, never gets past them. Both stores keep per caller the rooms and seats it was
// given, each until its window ends, and check each against the room when they count: a join, a
// used seat, a lapsed hold or a deleted room frees its place without any bookkeeping elsewhere.

/** Who a new room or held seat counts against (the Gateway's caller), and its caps; 0: no cap. */
export interface Holder {
  /** The same caller always has the same id (a client address, or a verified player). */
  id: string;
  maxUnjoinedRooms: number;
  maxUnusedSeats: number;
}

export type Cap = "rooms" | "seats";

/** The caller already has as many unjoined rooms or unused seats as its cap allows. */
export interface OverCap {
  kind: "over_cap";
  cap: Cap;
  max: number;
}

export function overCap(cap: Cap, h: Holder): OverCap {
  return { kind: "over_cap", cap, max: cap === "rooms" ? h.maxUnjoinedRooms : h.maxUnusedSeats };
}

/** How every over-cap answer starts, so a Gateway recognises one a Manager gave it. */
export const OVER_CAP = "client cap";

/** The answer to a caller at a cap; windowMs is how long an unused room or seat counts at most. */
export function overCapMessage(o: OverCap, windowMs: number): string {
  const what = o.cap === "rooms" ? "rooms nobody has joined yet" : "seats not yet used (join tokens)";
  return `${OVER_CAP}: at most ${o.max} ${what} per client; use one, or retry once one lapses (within ${Math.ceil(windowMs / 1000)} s)`;
}
