import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { BUILT_CLI } from "../testkit/cluster.js";
import { chart, table } from "./report.js";
import { FULL, runChaos, SHORT } from "./run-chaos.js";

// `make chaos`: the full chaos run (`--cluster`, as `make chaos-cluster`: on a Redis Cluster). Prints progress on stderr and the table on stdout, writes
// chaos/results/chaos-<time>.json and .svg, and exits 1 when a room was lost or duplicated or the
// store's reservations no longer match its rooms. With one Redis it needs root (its processes run
// on hosts of their own, chaos/hosts.ts) and fails at once without it.

async function main() {
  const short = process.argv.includes("--short");
  const store = process.argv.includes("--cluster") ? "cluster" : "redis";
  const o = { ...(short ? SHORT : FULL), store } as const;
  const started = Date.now();
  const log = (m: string) =>
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${m}\n`);
  const result = await runChaos(o, log);
  process.stdout.write(table(result) + "\n");
  const dir = resolve(dirname(BUILT_CLI), "..", "..", "chaos", "results");
  mkdirSync(dir, { recursive: true });
  const stamp = new Date(started).toISOString().replace(/[:.]/g, "-");
  const on = store === "cluster" ? ", a Redis Cluster of 3+3 on loopback" : ", each process on a host of its own";
  const subtitle = `${o.rooms} rooms × ${o.playersPerRoom} players, ${o.gameServers} game servers, 2 Managers${on}, reports every ${o.reportIntervalMs} ms`;
  writeFileSync(resolve(dir, `chaos-${stamp}.json`), JSON.stringify(result, null, 2));
  writeFileSync(resolve(dir, `chaos-${stamp}.svg`), chart(result, subtitle));
  process.stderr.write(`results: ${resolve(dir, `chaos-${stamp}.json`)} and .svg\n`);
  const lost = result.faults.reduce((n, f) => n + f.roomsLost, 0);
  const duplicated = result.faults.reduce((n, f) => n + f.duplicatedRooms, 0);
  return lost > 0 || duplicated > 0 || result.inconsistencies.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`chaos run failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
