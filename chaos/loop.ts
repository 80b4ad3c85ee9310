import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { BUILT_CLI } from "../testkit/cluster.js";
import type { ChaosResult } from "./run-chaos.js";

// `npm run chaos:loop -- N`: the short chaos run N times in a row (bounded: 1..500), one line of
// progress per run and a final tally per failure kind, so a flake rate is one command away. Each
// run's stderr goes to chaos/results/loop-<time>/run-<i>.log for the runs that need reading.

const MAX_RUNS = 500;

/** The failure kinds of one run, as short stable strings the tally counts. */
export function failureKinds(r: ChaosResult): string[] {
  const kinds: string[] = [];
  for (const f of r.faults) {
    if (f.roomsLost > 0) kinds.push(`${f.fault}: rooms lost`);
    if (f.manualRejoins > 0) kinds.push(`${f.fault}: manual rejoins`);
    if (f.duplicatedRooms > 0) kinds.push(`${f.fault}: duplicated rooms`);
    // Errors while Redis is down, or through a Gateway cut off from the Managers, are inherent.
    for (const e of f.errors.filter((e) => !e.inherent))
      kinds.push(`${f.fault}: client error [${e.code}] ${shape(e.message)}`);
  }
  if (r.inconsistencies.length) kinds.push("store inconsistent");
  return [...new Set(kinds)];
}

/** Client errors while Redis was down or through a Gateway cut off: counted apart, as inherent. */
export function inherentErrors(r: ChaosResult): number {
  return r.faults.reduce((n, f) => n + f.errors.filter((e) => e.inherent).length, 0);
}

/** A message without its ids and addresses, so the same failure counts as one kind. */
const shape = (m: string) =>
  m
    .replace(/[A-Za-z0-9_-]{22}/g, "<id>")
    .replace(/wss?:\/\/[^\s:]+:\d+/g, "<server>")
    .replace(/\d+ ms/g, "N ms")
    .slice(0, 120);

function runOnce(logFile: string): Promise<{ code: number | null; result?: ChaosResult; tail: string }> {
  return new Promise((done) => {
    // Starting 9 processes at once on a crowded machine can take longer than the usual 15 s: a
    // loop measures faults, not start-up times.
    const env = { ROOMGATE_TEST_READY_MS: "60000", ...process.env };
    const child = spawn(process.execPath, [resolve(dirname(BUILT_CLI), "..", "chaos", "main.js"), "--short"], {
      stdio: ["ignore", "pipe", "pipe"],
      env,
    });
    let out = "";
    child.stdout.on("data", (b) => (out += b));
    child.stderr.on("data", (b) => (out += b));
    // Stopping the loop stops the run under way, which then stops its own processes.
    let stopped = false;
    const forward = (signal: NodeJS.Signals) => {
      stopped = true;
      child.kill(signal);
    };
    process.on("SIGINT", forward).on("SIGTERM", forward);
    child.once("exit", (code) => {
      process.off("SIGINT", forward).off("SIGTERM", forward);
      if (stopped) process.exit(130);
      writeFileSync(logFile, out);
      const m = /^results: (\S+\.json) and \.svg$/m.exec(out);
      const result = m ? (JSON.parse(readFileSync(m[1]!, "utf8")) as ChaosResult) : undefined;
      done({ code, result, tail: out.trim().split("\n").slice(-3).join(" / ") });
    });
  });
}

async function main() {
  const n = Number(process.argv[2] ?? 30);
  if (!Number.isInteger(n) || n < 1 || n > MAX_RUNS)
    throw new Error(`usage: chaos:loop [runs 1..${MAX_RUNS}] (got ${process.argv[2]})`);
  const dir = resolve(
    dirname(BUILT_CLI),
    "..",
    "..",
    "chaos",
    "results",
    `loop-${new Date().toISOString().replace(/[:.]/g, "-")}`,
  );
  mkdirSync(dir, { recursive: true });
  const tally = new Map<string, number>();
  let failedRuns = 0;
  let inherent = 0;
  for (let i = 1; i <= n; i++) {
    const t0 = Date.now();
    const { code, result, tail } = await runOnce(resolve(dir, `run-${i}.log`));
    const kinds = result ? failureKinds(result) : [`run crashed (exit ${code}): ${tail.slice(0, 160)}`];
    if (result && code !== 0 && kinds.length === 0) kinds.push(`exit ${code}`);
    for (const k of kinds) tally.set(k, (tally.get(k) ?? 0) + 1);
    if (kinds.length) failedRuns++;
    const inherentNow = result ? inherentErrors(result) : 0;
    inherent += inherentNow;
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    const note = inherentNow ? ` (${inherentNow} inherent client errors: Redis down, or a Gateway cut off)` : "";
    process.stdout.write(`run ${i}/${n} (${secs} s): ${kinds.length ? "FAIL " + kinds.join("; ") : "ok"}${note}\n`);
  }
  process.stdout.write(`\n${n - failedRuns}/${n} runs clean, ${failedRuns} failed (logs: ${dir})\n`);
  for (const [k, c] of [...tally].sort((a, b) => b[1] - a[1]))
    process.stdout.write(`  ${String(c).padStart(3)}× ${k}\n`);
  process.stdout.write(
    `client errors while Redis was down or through a Gateway cut off (inherent, not failures): ${inherent} over ${n} runs\n`,
  );
  return failedRuns > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  },
);
