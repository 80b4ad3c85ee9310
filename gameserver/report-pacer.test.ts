import { ReportPacer } from "./report-pacer.js";

// A report when the load changed; otherwise one per heartbeat, never a longer silence.

const idle = { players: 0, rooms: 0, cpuMoved: false };

/** Which of `n` looks, one per report interval, send a report. */
const sends = (pacer: ReportPacer, loads: (typeof idle)[]) => loads.map((l) => pacer.due(l));

test("an idle server reports once per heartbeat; a Manager that asks for none gets every report", () => {
  const pacer = new ReportPacer(1000);
  pacer.registered(2000);
  expect(sends(pacer, Array(6).fill(idle))).toEqual([true, false, true, false, true, false]);
  pacer.registered(0);
  expect(sends(pacer, Array(3).fill(idle))).toEqual([true, true, true]);
  // A heartbeat under one interval is one interval: a report every time.
  pacer.registered(999);
  expect(sends(pacer, Array(2).fill(idle))).toEqual([true, true]);
});

test("a change in players, rooms or logic-room CPU is reported at the next look", () => {
  const pacer = new ReportPacer(1000);
  pacer.registered(5000);
  const looks = [
    idle,
    idle,
    { ...idle, players: 1 },
    { ...idle, players: 1 },
    { ...idle, players: 1, rooms: 1 },
    { ...idle, players: 1, rooms: 1, cpuMoved: true },
    { ...idle, players: 1, rooms: 1 },
  ];
  expect(sends(pacer, looks)).toEqual([true, false, true, false, true, true, false]);
});

test("the silence never outlasts the heartbeat, however the load went before", () => {
  const pacer = new ReportPacer(1000);
  pacer.registered(3000);
  const looks = [idle, { ...idle, rooms: 1 }, { ...idle, rooms: 1 }, { ...idle, rooms: 1 }, { ...idle, rooms: 1 }];
  expect(sends(pacer, looks)).toEqual([true, true, false, false, true]);
});
