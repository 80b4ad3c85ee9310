import { cellOrder } from "./cell-order";

const cell = (n: number, region: string, freeSeats: number, openServers = 1) => ({
  cell: n,
  region,
  freeSeats,
  openServers,
});
const cells = [cell(0, "eu", 100), cell(1, "eu", 300), cell(2, "us", 1000), cell(3, "eu", 2), cell(4, "eu", 0, 0)];

test("regions in the order asked, then the rest; within a region the cells that fit first, the fullest when packing", () => {
  const packed = cellOrder(cells, { regions: ["eu"], seats: 4, strategy: "packed" }).map((c) => c.cell);
  expect(packed.slice(0, 2)).toEqual([0, 1]);
  // A cell that looked full is still tried before another region: the view may be stale.
  expect(packed.slice(2, 4).sort()).toEqual([3, 4]);
  expect(packed[4]).toBe(2);
  const us = cellOrder(cells, { regions: ["us", "eu"], seats: 4, strategy: "packed" }).map((c) => c.cell);
  expect(us).toEqual([2, 0, 1, 4, 3]);
});

test("distributing draws the first cell among the region's fitting ones, weighted by free seats", () => {
  const firsts = new Map<number, number>();
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  for (let i = 0; i < 4000; i++) {
    const order = cellOrder(cells, { regions: ["eu"], seats: 4, strategy: "distributed" }, random);
    expect(new Set(order.map((c) => c.cell))).toEqual(new Set([0, 1, 2, 3, 4]));
    expect(order[4]!.cell).toBe(2);
    firsts.set(order[0]!.cell, (firsts.get(order[0]!.cell) ?? 0) + 1);
  }
  // eu cells that fit: 0 (100 free) and 1 (300 free): a quarter and three quarters.
  expect([...firsts.keys()].sort()).toEqual([0, 1]);
  expect(firsts.get(0)! / 4000).toBeCloseTo(0.25, 1);
});
