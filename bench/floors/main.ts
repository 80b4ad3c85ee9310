import { EnvOptions } from "../lib/options.js";
import { Progress } from "../lib/progress.js";
import { resultStamp, writeResult } from "../lib/results.js";
import { machine, runMain, stopController } from "../lib/run-control.js";
import { num, table, times } from "../lib/table.js";
import { type RelayFloor, runRelayFloor } from "./relay.js";
import { type ReportFloor, type ReportTransport, runReportFloor } from "./reports.js";

// npm run bench:floors: what two of issue 14's figures cannot cost less than on this machine,
// measured against bare servers that do nothing but the transport's part:
// - a load report: 1,000 servers reporting every second may cost a Manager 5% of a core, 50 µs a
//   report, receive and answer; a bare grpc-js server (what the Manager serves Attach with) and
//   Node's bare HTTP/2 (what any gRPC server on Node sits on) answer the same traffic;
// - a relayed message: `npm run bench`'s fan-out shape against a bare uWebSockets.js relay.
// Set BENCH_FLOORS=reports or relay to run one.

const BUDGET_CORES = 0.05;

async function main(): Promise<number> {
  const env = new EnvOptions();
  const which = env.string("BENCH_FLOORS") ?? "reports,relay";
  const reportOpts = {
    servers: env.int("BENCH_REPORT_SERVERS", 1000),
    intervalMs: env.int("BENCH_REPORT_INTERVAL_MS", 1000, 100),
    seconds: env.int("BENCH_FLOOR_SECONDS", 10),
  };
  const relayOpts = {
    rooms: env.int("BENCH_FANOUT_ROOMS", 100),
    players: env.int("BENCH_FANOUT_PLAYERS", 8, 2),
    rate: env.int("BENCH_FANOUT_RATE", 10),
    seconds: reportOpts.seconds,
  };
  const { stop, release } = stopController((3 * reportOpts.seconds + 120) * 1000);
  const progress = new Progress();
  const startedAt = new Date().toISOString();
  const m = machine();
  const reports: ReportFloor[] = [];
  let relay: RelayFloor | undefined;
  try {
    if (which.includes("reports"))
      for (const kind of ["grpc-js", "http2"] as ReportTransport[])
        if (!stop.signal.aborted) reports.push(await runReportFloor(kind, reportOpts, progress, stop.signal));
    if (which.includes("relay") && !stop.signal.aborted) relay = await runRelayFloor(relayOpts, progress, stop.signal);
  } finally {
    release();
  }
  const out = [
    `floors (${m.cpus} cores, load ${m.loadavgStart[0]!.toFixed(1)} at the start, ${reportOpts.seconds} s each)`,
  ];
  const budgetUs = (BUDGET_CORES * 1e6 * reportOpts.intervalMs) / 1000 / reportOpts.servers;
  if (reports.length > 0) {
    out.push(
      "",
      `load reports: ${reportOpts.servers} connections, one report each every ${reportOpts.intervalMs} ms`,
      table(
        ["bare server", "reports/s", "server CPU", "µs/report", "of it kernel", "answered", "driver CPU", "÷ budget"],
        reports.map((r) => [
          r.kind,
          num(r.perSecond),
          `${(100 * r.serverCores).toFixed(1)}%`,
          num(r.usPerReport, 1),
          num(r.sysUsPerReport, 1),
          `${(100 * r.answered).toFixed(1)}%`,
          `${(100 * r.clientCores).toFixed(0)}%`,
          times(r.usPerReport / budgetUs),
        ]),
      ),
      `budget: ${(100 * BUDGET_CORES).toFixed(0)}% of a core for these reports is ${num(budgetUs, 1)} µs a report`,
    );
  }
  if (relay)
    out.push(
      "",
      `relay: ${relayOpts.rooms} rooms × ${relayOpts.players}, ${relayOpts.rate} frames/s each (${relay.bytesIn} B in, ${relay.bytesOut} B out)`,
      table(
        ["bare server", "delivered", "share", "µs/delivery", "of it kernel"],
        [
          [
            "uWebSockets.js",
            num(relay.delivered),
            `${(100 * relay.deliveredShare).toFixed(1)}%`,
            num(relay.usPerDelivery, 2),
            num(relay.sysUsPerDelivery, 2),
          ],
        ],
      ),
    );
  const json = writeResult(
    `floors-${resultStamp(startedAt)}.json`,
    JSON.stringify({ startedAt, machine: m, reportOpts, relayOpts, budgetUs, reports, relay }, null, 2),
  );
  out.push("", `json: ${json}`);
  process.stdout.write(`${out.join("\n")}\n`);
  const ok = reports.every((r) => r.answered > 0.99) && (!relay || relay.deliveredShare > 0.99);
  return ok ? 0 : 1;
}

runMain("bench:floors", main);
