import { machine, runMain } from "../lib/run-control.js";
import { resultStamp, writeResult } from "../lib/results.js";
import { num, table } from "../lib/table.js";
import { barChart, SYNC_TARGETS } from "./bars.js";
import { e2eMain } from "./e2e-main.js";
import { type ModeResult, runFullState, runPatches } from "./modes.js";
import { readSyncOptions } from "./options.js";

// npm run bench:sync: the in-process part of issue 13's state-sync figures. Rooms run in this
// process with players whose sockets only count bytes, so the CPU is the room runtime's own
// (tick, diff, encoding, fan-out), not the network's. With --e2e: the run over real processes
// and sockets, with tick-to-client latency (e2e-main.ts).

const TARGET = SYNC_TARGETS;

function chart(results: ModeResult[], subtitle: string): string {
  return barChart("roomgate state sync, in-process", subtitle, results, (r) => r.mode, [
    { title: "server CPU per player-tick (µs)", value: (r) => r.cpuUsPerPlayerTick, target: TARGET.cpuUsPerPlayerTick },
    { title: "bytes per patch (per player)", value: (r) => r.bytesPerPatch, target: TARGET.bytesPerPatch },
  ]);
}

async function main(): Promise<number> {
  const o = readSyncOptions();
  const startedAt = new Date().toISOString();
  // One untimed pass of each mode first, so the one measured first is not the one measured cold.
  const warm = { ...o, rooms: Math.min(o.rooms, 10), ticks: 50, warmupTicks: 50 };
  runPatches(warm, "float64");
  runPatches(warm, "float32");
  runFullState(warm);
  const shape = `${o.rooms} rooms × ${o.players} players, ${o.tickHz} Hz, ${o.entities} entities (${o.moving} moving a tick), ${o.ticks} measured ticks`;
  process.stderr.write(`bench:sync: ${shape}\n`);
  const results: ModeResult[] = [];
  for (const [label, run] of [
    ["patches (float64)", () => runPatches(o, "float64")],
    ["patches (float32)", () => runPatches(o, "float32")],
    ["full state every tick", () => runFullState(o)],
  ] as const) {
    process.stderr.write(`  ${label}...`);
    const r = run();
    results.push(r);
    process.stderr.write(` ${r.cpuUsPerPlayerTick.toFixed(2)} µs/player-tick, ${r.bytesPerPatch.toFixed(1)} B/frame\n`);
  }
  const rows = results.map((r) => [
    r.mode,
    r.cpuUsPerPlayerTick.toFixed(2),
    r.roomCpuUsPerPlayerTick?.toFixed(2) ?? "-",
    r.bytesPerPatch.toFixed(1),
    num(r.bytesPerPlayerPerSecond),
    r.framesPerPlayerTick.toFixed(2),
    num(r.fullStateBytes),
    r.wallMsPerSimulatedSecond.toFixed(1),
  ]);
  process.stdout.write(
    `\n${shape}\n\n` +
      table(
        [
          "mode",
          "CPU µs/player-tick",
          "room busy µs",
          "B/frame",
          "B/player/s",
          "frames/player-tick",
          "join B",
          "wall ms per game s",
        ],
        rows,
      ) +
      `\n\ntargets (issue 13): ≤ ${TARGET.cpuUsPerPlayerTick} µs per player-tick, ≤ ${TARGET.bytesPerPatch} bytes per patch\n`,
  );
  const stamp = resultStamp(startedAt);
  const json = writeResult(
    `sync-${stamp}.json`,
    JSON.stringify({ startedAt, machine: machine(), options: o, targets: TARGET, results }, null, 2) + "\n",
  );
  const svg = writeResult(`sync-${stamp}.svg`, chart(results, shape));
  process.stdout.write(`\nresults: ${json}\nchart:   ${svg}\n`);
  return 0;
}

runMain("bench:sync", process.argv.includes("--e2e") ? e2eMain : main);
