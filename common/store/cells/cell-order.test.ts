import { cellOrder } from "./cell-order";

const cell = (n: number, region: string, freeSeats: number, openServers = 1) => ({
  cell: n,
  region,
  freeSeats,
  openServers,
});
const cells = [cell(0, "eu", 100), cell(1, "eu", 300), cell(2, "us", 1000), cell(3, "eu", 2), cell(4, "eu", 0, 0)];

test("asked-for regions first, cells that cannot fit last; packing takes the fullest that fits", () => {
  const packed = cellOrder(cells, { regions: ["eu"], seats: 4, strategy: "packed" }).map((c) => c.cell);
  expect(packed.slice(0, 3)).toEqual([0, 1, 2]);
  expect(packed.slice(3).sort()).toEqual([3, 4]);
  const us = cellOrder(cells, { regions: ["us"], seats: 4, strategy: "packed" }).map((c) => c.cell);
  expect(us[0]).toBe(2);
});

test("distributing draws the first cell among the region's fitting ones, weighted by free seats", () => {
  const firsts = new Map<number, number>();
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  for (let i = 0; i < 4000; i++) {
    const order = cellOrder(cells, { regions: ["eu"], seats: 4, strategy: "distributed" }, random);
    expect(order).toHaveLength(cells.length);
    expect(new Set(order.map((c) => c.cell)).size).toBe(cells.length);
    firsts.set(order[0]!.cell, (firsts.get(order[0]!.cell) ?? 0) + 1);
  }
  // eu cells that fit: 0 (100 free) and 1 (300 free): a quarter and three quarters.
  expect([...firsts.keys()].sort()).toEqual([0, 1]);
  expect(firsts.get(0)! / 4000).toBeCloseTo(0.25, 1);
});
