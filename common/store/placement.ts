// Where a room may go (strategy, regions, labels) and the small rules both stores share for it:
// label matching, fit, load, and the canonical forms that name label sets and listing cursors.

/**
 * How a server is chosen among those that fit: `distributed` takes the one with the most free
 * seats (spreads load), `packed` the one with the fewest that still fit (fills servers up, so
 * idle ones can be removed). Both are O(log n) in the number of servers in the Redis store.
 */
export type PlacementStrategy = "distributed" | "packed";

export const PLACEMENT_STRATEGIES: readonly PlacementStrategy[] = ["distributed", "packed"];

export type Labels = Record<string, string>;

/** Where a room may go: the store picks among LIVE servers, so every Manager sees the same fleet. */
export interface Placement {
  strategy: PlacementStrategy;
  /** Regions to try, best first; servers in any region are used only when none of them fits. */
  regions: string[];
  /** Labels the server must have (a server's zone counts as the label "zone"). */
  labels: Labels;
  /** Servers not to use (they failed to open this room just now). */
  excluded: string[];
  seats: number;
  nowMs: number;
  /**
   * The Manager asking: the servers whose streams it holds are reachable whatever the store says
   * of its heartbeat (after a Redis restart every heartbeat has expired until the next sweep).
   */
  managerId?: string;
}

/** How full a server is, 0..1: the larger of its room and seat reservations. */
export function serverLoad(s: {
  reservedRooms: number;
  reservedSeats: number;
  maxRooms: number;
  maxPlayers: number;
}): number {
  const rooms = s.maxRooms > 0 ? s.reservedRooms / s.maxRooms : 1;
  const seats = s.maxPlayers > 0 ? s.reservedSeats / s.maxPlayers : 1;
  return Math.max(rooms, seats);
}

/** Canonical form of a label set: sorted keys, so equal sets compare (and hash) equal. */
export function canonicalLabels(labels: Labels): string {
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/** Rooms a quick-join may fill share mode, size and labels: this names that group. */
export function quickJoinKey(mode: string, maxPlayers: number, labels: Labels): string {
  return `${mode}\n${maxPlayers}\n${canonicalLabels(labels)}`;
}

/** A listing cursor, "<creation ms>.<room id>" (room ids hold no dots): the last room of a page. */
export function listCursor(createdMs: number | string, roomId: string): string {
  return `${createdMs}.${roomId}`;
}

export function parseListCursor(cursor: string): { createdMs: string; roomId: string } {
  const dot = cursor.indexOf(".");
  return { createdMs: cursor.slice(0, dot), roomId: cursor.slice(dot + 1) };
}

/** A server's labels as placement matches them: its own plus its zone. */
export function serverLabels(labels: Labels, zone: string): Labels {
  return zone ? { ...labels, zone } : { ...labels };
}

export function hasLabels(have: Labels, want: Labels): boolean {
  return Object.entries(want).every(([k, v]) => have[k] === v);
}

export function fits(
  s: { reservedRooms: number; reservedSeats: number; maxRooms: number; maxPlayers: number },
  seats: number,
): boolean {
  return s.reservedRooms + 1 <= s.maxRooms && s.reservedSeats + seats <= s.maxPlayers;
}
