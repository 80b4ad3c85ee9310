import { machine, runMain } from "../lib/run-control.js";
import { resultStamp, writeResult } from "../lib/results.js";
import { esc, svgEnd, svgPage } from "../lib/svg.js";
import { num, table } from "../lib/table.js";
import { type ModeResult, runFullState, runPatches } from "./modes.js";
import { readSyncOptions } from "./options.js";

// npm run bench:sync: the in-process part of issue 13's state-sync figures. Rooms run in this
// process with players whose sockets only count bytes, so the CPU is the room runtime's own
// (tick, diff, encoding, fan-out), not the network's. The run over real processes and sockets,
// with tick-to-client latency, is a later step.

const TARGET = { cpuUsPerPlayerTick: 5, bytesPerPatch: 63 };

function chart(results: ModeResult[], subtitle: string): string {
  const width = 760;
  const rowH = 26;
  const panels = [
    { title: "server CPU per player-tick (µs)", key: "cpuUsPerPlayerTick" as const, target: TARGET.cpuUsPerPlayerTick },
    { title: "bytes per patch (per player)", key: "bytesPerPatch" as const, target: TARGET.bytesPerPatch },
  ];
  const height = 70 + panels.length * (results.length * rowH + 50);
  const out = svgPage(width, height, 20, "roomgate state sync, in-process", subtitle);
  let y = 70;
  for (const p of panels) {
    out.push(`<text x="20" y="${y}" font-weight="bold">${esc(p.title)} (target ≤ ${p.target})</text>`);
    y += 12;
    const max = Math.max(p.target, ...results.map((r) => r[p.key])) * 1.1;
    const x0 = 200;
    const scale = (width - x0 - 80) / max;
    for (const r of results) {
      const w = Math.max(1, r[p.key] * scale);
      out.push(`<text x="${x0 - 8}" y="${y + 15}" text-anchor="end">${esc(r.mode)}</text>`);
      out.push(
        `<rect x="${x0}" y="${y + 3}" width="${w}" height="16" fill="${r[p.key] <= p.target ? "#4a8" : "#c66"}"/>`,
      );
      out.push(`<text x="${x0 + w + 6}" y="${y + 15}">${r[p.key].toFixed(2)}</text>`);
      y += rowH;
    }
    const tx = x0 + p.target * scale;
    out.push(
      `<line x1="${tx}" x2="${tx}" y1="${y - results.length * rowH}" y2="${y}" stroke="#333" stroke-dasharray="4 3"/>`,
    );
    y += 38;
  }
  return svgEnd(out);
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

runMain("bench:sync", main);
