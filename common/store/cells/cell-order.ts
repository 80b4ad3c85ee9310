import type { PlacementStrategy } from "../placement.js";
import type { CellInfo } from "./cell-map.js";

// Which cells an allocation tries, in order: cells of the asked-for regions first (in the order
// asked), then the rest; among equals the strategy's choice by cached free seats (most free when
// distributing, the fullest that still fits when packing). Cells that looked too full a moment
// ago come last: the cache may be stale, and the cell's own script has the final word.

export function cellOrder(
  cells: readonly CellInfo[],
  want: { regions: readonly string[]; seats: number; strategy: PlacementStrategy },
): CellInfo[] {
  const rank = (c: CellInfo) => {
    const i = want.regions.indexOf(c.region);
    return i < 0 ? want.regions.length : i;
  };
  const fits = (c: CellInfo) => c.openServers > 0 && c.freeSeats >= want.seats;
  const packed = want.strategy === "packed";
  return [...cells].sort((a, b) => {
    const fa = fits(a);
    if (fa !== fits(b)) return fa ? -1 : 1;
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return ra - rb;
    const d = packed ? a.freeSeats - b.freeSeats : b.freeSeats - a.freeSeats;
    return d !== 0 ? d : a.cell - b.cell;
  });
}
