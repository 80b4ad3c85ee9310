import type { PlacementStrategy } from "../placement.js";
import type { CellInfo } from "./cell-map.js";

// Which cells an allocation tries, in order: cells of the asked-for regions first (in the order
// asked), then the rest; cells that looked too full a moment ago last (the cache may be stale,
// and the cell's own script has the final word). Among the best equals, packing takes the fullest
// cell that fits; distributing draws one weighted by free seats, because the capacities are a
// cached view shared by every allocation until the next look: taking the emptiest would send
// every allocation of that interval to the same cell, and so to the same Redis master.

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
  const sorted = [...cells].sort((a, b) => {
    const fa = fits(a);
    if (fa !== fits(b)) return fa ? -1 : 1;
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return ra - rb;
    const d = packed ? a.freeSeats - b.freeSeats : b.freeSeats - a.freeSeats;
    return d !== 0 ? d : a.cell - b.cell;
  });
  if (packed || sorted.length < 2 || !fits(sorted[0]!)) return sorted;
  const best = sorted.filter((c) => fits(c) && rank(c) === rank(sorted[0]!));
  const total = best.reduce((s, c) => s + c.freeSeats, 0);
  let r = random() * total;
  const first = best.find((c) => (r -= c.freeSeats) < 0) ?? best[0]!;
  return [first, ...sorted.filter((c) => c !== first)];
}
