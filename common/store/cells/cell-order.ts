import type { PlacementStrategy } from "../placement.js";
import type { CellInfo } from "./cell-map.js";

// Which cells an allocation tries, in order: the asked-for regions' cells first, in the order
// asked, then the rest, as one Redis would try the regions. Within a region, the cells that fit
// by the cached capacities come first: packing takes the fullest, distributing draws one weighted
// by free seats (the capacities are a view shared by every allocation until the next look: taking
// the emptiest would send a whole interval's allocations to one cell, so to one Redis master).
// Cells that looked too full follow within their region, since the view may be stale (a room
// ended since) and the cell's own script has the final word.

export function cellOrder(
  cells: readonly CellInfo[],
  want: { regions: readonly string[]; seats: number; strategy: PlacementStrategy },
  random: () => number = Math.random,
): CellInfo[] {
  const rank = (c: CellInfo) => {
    const i = want.regions.indexOf(c.region);
    return i < 0 ? want.regions.length : i;
  };
  const fits = (c: CellInfo) => c.openServers > 0 && c.freeSeats >= want.seats;
  const packed = want.strategy === "packed";
  const groups = new Map<number, CellInfo[]>();
  for (const c of cells) {
    const r = rank(c);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = []));
    g.push(c);
  }
  const out: CellInfo[] = [];
  for (const r of [...groups.keys()].sort((a, b) => a - b)) {
    const g = groups.get(r)!;
    const byFree = (a: CellInfo, b: CellInfo) =>
      (packed ? a.freeSeats - b.freeSeats : b.freeSeats - a.freeSeats) || a.cell - b.cell;
    const fitting = g.filter(fits).sort(byFree);
    if (!packed && fitting.length > 1) {
      const total = fitting.reduce((s, c) => s + c.freeSeats, 0);
      let x = random() * total;
      const i = Math.max(
        0,
        fitting.findIndex((c) => (x -= c.freeSeats) < 0),
      );
      fitting.unshift(...fitting.splice(i, 1));
    }
    out.push(...fitting, ...g.filter((c) => !fits(c)).sort(byFree));
  }
  return out;
}
