import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { BUILT_CLI, Cluster } from "../../testkit/cluster.js";
import { gatewayClient } from "../../testkit/client.js";
import { startRedis } from "../../testkit/redis-server.js";
import { CpuSampler } from "../lib/cpu.js";
import { errorText } from "../lib/errors.js";
import { latencyChart } from "../lib/latency-chart.js";
import { LogWatch } from "../lib/log-watch.js";
import { Progress } from "../lib/progress.js";
import { resultStamp, writeResult } from "../lib/results.js";
import { machine, stopController } from "../lib/run-control.js";
import { roundMs } from "../lib/stats.js";
import { num, table } from "../lib/table.js";
import { shutdown, Teardown } from "../lib/teardown.js";
import { barChart, SYNC_TARGETS } from "./bars.js";
import { type E2eResult, runMode } from "./e2e-phase.js";
import type { E2eMode } from "./e2e-rooms.js";
import { type FloorResult, runFloor } from "./floor.js";
import { readE2eOptions } from "./options.js";

// npm run bench:sync -- --e2e: issue 13's state-sync figures over real processes. A private
// redis-server, a Manager, a Gateway and game servers that load e2e-rooms.ts, all on loopback;
// the players are raw WebSockets in this process. Each way of syncing runs in turn on the same
// processes. Writes bench/results/sync-e2e-<time>.json and two SVG charts. Exit code: 0 clean,
// 1 the run failed, 2 it finished with mismatches, errors or a spent time budget.

const ROOM_MODULE = resolve(BUILT_CLI, "..", "..", "bench", "sync", "e2e-rooms.js");
const COLORS = ["#1f77b4", "#2ca02c", "#d62728"];

export async function e2eMain(): Promise<number> {
  const o = readE2eOptions();
  const progress = new Progress();
  const note = (m: string) => progress.note(m);
  const teardown = new Teardown();
  const { stop, release } = stopController(o.budgetMs);
  const startedAt = new Date().toISOString();
  const logs = new LogWatch();
  const results: E2eResult[] = [];
  const latencies: { mode: E2eMode; samples: number[] }[] = [];
  const problems: string[] = [];
  let floor: FloorResult | undefined;
  let error: string | undefined;
  const shape = `${o.rooms} rooms × ${o.players} players, ${o.tickHz} Hz, ${o.entities} entities (${o.moving} moving a tick), ${o.seconds} s measured per mode`;
  try {
    note(`bench:sync --e2e: ${shape}`);
    note("starting redis-server, a Manager, a Gateway and game servers ...");
    const redis = await startRedis();
    teardown.add("redis-server", () => redis.stop());
    const cluster = new Cluster({
      redisUrl: redis.url,
      keyPrefix: "sync-e2e:",
      secret: randomBytes(32).toString("base64url"),
      gateways: 1,
      gameServers: o.gameServers,
      gameServerEnv: {
        GAMESERVER_ROOMS: ROOM_MODULE,
        // Twice the rooms and players a mode holds: capacity is never what the run measures.
        GAMESERVER_CAPACITY: String(2 * o.rooms),
        GAMESERVER_MAX_PLAYERS: String(2 * o.rooms * o.players),
      },
      gatewayEnv: { ROOM_MAX_PLAYERS_LIMIT: String(Math.max(256, o.players)) },
    });
    teardown.add("cluster", () => cluster.stop());
    await cluster.start();
    for (const p of cluster.procs) logs.watch(p);
    const gameServerNames = cluster.gameServers.map((g) => g.proc.name);
    const cpu = new CpuSampler([
      ...cluster.gameServers.map((g) => ({ name: g.proc.name, pid: g.proc.pid })),
      { name: "gateway", pid: cluster.gateways[0]!.proc.pid },
      { name: "manager", pid: cluster.manager.proc.pid },
      { name: "redis", pid: redis.child.pid },
      { name: "load (players)", pid: process.pid },
    ]);
    const gateway = gatewayClient(cluster.gatewayUrl());
    for (const mode of o.modes as E2eMode[]) {
      if (stop.signal.aborted) break;
      logs.enter(mode);
      const { result, latenciesMs } = await runMode(
        { o, gateway, cpu, gameServerNames, progress, signal: stop.signal },
        mode,
      );
      results.push(result);
      latencies.push({ mode, samples: latenciesMs });
      const l = result.tickToClientMs;
      note(
        `${mode}: ${result.cpuUsPerPlayerTick.toFixed(2)} µs/player-tick, ${result.bytesPerPatch.toFixed(1)} B/patch, ` +
          `tick to client p50 ${l?.p50.toFixed(2) ?? "n/a"} ms p99 ${l?.p99.toFixed(2) ?? "n/a"} ms` +
          (result.mismatches > 0 ? `, ${result.mismatches} mismatches` : ""),
      );
    }
    if (results.length > 0 && !stop.signal.aborted) {
      floor = await runFloor(o, results[0]!.bytesPerPatch, progress, stop.signal);
      note(`floor: ${floor.cpuUsPerFrame.toFixed(2)} µs per frame, of which kernel ${floor.sysUsPerFrame.toFixed(2)}`);
    }
    if (stop.signal.aborted) problems.push(errorText(stop.signal.reason));
  } catch (e) {
    error = e instanceof Error ? (e.stack ?? e.message) : String(e);
  } finally {
    logs.enter("shutdown");
    note("stopping ...");
    problems.push(...(await shutdown(teardown, note)));
    release();
  }

  const stamp = resultStamp(startedAt);
  const json = writeResult(
    `sync-e2e-${stamp}.json`,
    JSON.stringify(
      {
        startedAt,
        finishedAt: new Date().toISOString(),
        machine: { ...machine(), loadavgEnd: loadavg() },
        options: o,
        targets: SYNC_TARGETS,
        results: results.map(rounded),
        floor,
        logs: logs.findings,
        problems,
        error,
      },
      null,
      2,
    ) + "\n",
  );
  const files = [json];
  if (results.length > 0) {
    files.push(writeResult(`sync-e2e-${stamp}.svg`, figures(results, shape)));
    files.push(
      writeResult(
        `sync-e2e-latency-${stamp}.svg`,
        latencyChart(
          "roomgate state sync: tick to client",
          shape,
          latencies.map((l, i) => ({ label: l.mode, color: COLORS[i % COLORS.length]!, samples: l.samples })),
        ),
      ),
    );
  }
  process.stdout.write(
    summary(results, shape, problems, error) +
      floorLine(results, floor) +
      files.map((f) => `\nwritten: ${f}`).join("") +
      "\n",
  );
  if (error) return 1;
  const clean = results.every((r) => r.mismatches === 0 && r.problems.length === 0) && problems.length === 0;
  return clean && results.length === o.modes.length ? 0 : 2;
}

function figures(results: E2eResult[], subtitle: string): string {
  const T = SYNC_TARGETS;
  return barChart("roomgate state sync, end to end", subtitle, results, (r) => r.mode, [
    { title: "game server CPU per player-tick (µs)", value: (r) => r.cpuUsPerPlayerTick, target: T.cpuUsPerPlayerTick },
    { title: "bytes per patch (WebSocket payload)", value: (r) => r.bytesPerPatch, target: T.bytesPerPatch },
    { title: "tick to client, p50 (ms)", value: (r) => r.tickToClientMs?.p50 ?? NaN, target: T.tickToClientP50Ms },
  ]);
}

function summary(results: E2eResult[], shape: string, problems: string[], error: string | undefined): string {
  const rows = results.map((r) => [
    r.mode,
    r.cpuUsPerPlayerTick.toFixed(2),
    r.bytesPerPatch.toFixed(1),
    r.syncBytesPerPatch.toFixed(1),
    num(r.bytesPerPlayerPerSecond),
    r.framesPerPlayerTick.toFixed(2),
    r.tickToClientMs?.p50.toFixed(2) ?? "n/a",
    r.tickToClientMs?.p99.toFixed(2) ?? "n/a",
    String(r.mismatches),
    r.ticksPerRoomPerSecond.toFixed(1),
    r.othersCpuS === undefined ? "n/a" : (r.othersCpuS / r.measuredS).toFixed(2),
  ]);
  const T = SYNC_TARGETS;
  let out =
    `\n${shape}\n\n` +
    table(
      [
        "mode",
        "GS CPU µs/player-tick",
        "B/patch (ws)",
        "B/patch (sync)",
        "B/player/s",
        "frames/player-tick",
        "tick→client p50 ms",
        "p99 ms",
        "mismatches",
        "ticks/room/s",
        "other cores busy",
      ],
      rows,
    ) +
    `\n\ntargets (issue 13): ≤ ${T.cpuUsPerPlayerTick} µs per player-tick, ≤ ${T.bytesPerPatch} bytes per patch, p50 tick to client ≤ ${T.tickToClientP50Ms} ms\n`;
  for (const r of results) for (const p of r.problems) out += `${r.mode}: ${p}\n`;
  for (const p of problems) out += `problem: ${p}\n`;
  if (error) out += `error: ${error}\n`;
  return out;
}

function floorLine(results: E2eResult[], floor: FloorResult | undefined): string {
  if (!floor) return "";
  const own = results.map((r) => `${r.mode} ${(r.cpuUsPerPlayerTick - floor.cpuUsPerFrame).toFixed(2)}`).join(", ");
  return (
    `floor: a bare uWS process sending ${floor.bytesPerFrame} B to the same sockets at the same rate costs ` +
    `${floor.cpuUsPerFrame.toFixed(2)} µs per frame (kernel ${floor.sysUsPerFrame.toFixed(2)}); above it, µs/player-tick: ${own}\n`
  );
}

/** The JSON keeps figures at a readable precision. */
function rounded(r: E2eResult) {
  const two = (v: number) => Math.round(v * 100) / 100;
  return {
    ...r,
    measuredS: two(r.measuredS),
    cpuUsPerPlayerTick: two(r.cpuUsPerPlayerTick),
    bytesPerPatch: two(r.bytesPerPatch),
    syncBytesPerPatch: two(r.syncBytesPerPatch),
    bytesPerPlayerPerSecond: Math.round(r.bytesPerPlayerPerSecond),
    framesPerPlayerTick: two(r.framesPerPlayerTick),
    ticksPerRoomPerSecond: two(r.ticksPerRoomPerSecond),
    tickToClientMs:
      r.tickToClientMs &&
      Object.fromEntries(Object.entries(r.tickToClientMs).map(([k, v]) => [k, k === "n" ? v : roundMs(v)])),
  };
}
