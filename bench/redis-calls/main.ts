import { loadavg } from "node:os";
import { startRedis } from "../../testkit/redis-server.js";
import { type Figures, measure } from "./calls.js";

// npm run bench:redis-calls: what one store script call costs this process in CPU through
// ioredis, with auto-pipelining (REDIS_AUTO_PIPELINING) on and off, with one caller and with
// several at once, against a private redis-server. The call is the shape of the store's: EVALSHA
// of a small script with one key and a few arguments. Settings: BENCH_REDIS_CALLS (20,000 per
// case), BENCH_REDIS_CALLERS (callers at once, a list: 1,20,200).

const CALLS = Number(process.env.BENCH_REDIS_CALLS ?? 20_000);
const CALLERS = (process.env.BENCH_REDIS_CALLERS ?? "1,20,200").split(",").map((n) => {
  const v = Number(n);
  if (!Number.isInteger(v) || v < 1) throw new Error(`BENCH_REDIS_CALLERS: '${n}' is not a positive whole number`);
  return v;
});

async function main() {
  const server = await startRedis();
  try {
    const rows: Figures[] = [];
    for (const callers of CALLERS)
      for (const autoPipelining of [true, false]) {
        process.stderr.write(`auto-pipelining ${autoPipelining ? "on " : "off"}, ${callers} caller(s) ...\n`);
        rows.push(await measure(server.url, { autoPipelining, callers }, CALLS));
      }
    const lines = [
      `one EVALSHA through ioredis, CPU of the calling process (${CALLS} calls a case, load ${loadavg()[0]!.toFixed(1)}):`,
      "auto-pipelining  callers  CPU µs/call  user  system   calls/s",
      ...rows.map(
        (r) =>
          `${(r.autoPipelining ? "on" : "off").padEnd(15)}  ${String(r.callers).padStart(7)}  ` +
          `${r.cpuUsPerCall.toFixed(1).padStart(11)}  ${r.userUsPerCall.toFixed(1).padStart(4)}  ` +
          `${r.systemUsPerCall.toFixed(1).padStart(6)}  ${r.callsPerSecond.toFixed(0).padStart(8)}`,
      ),
    ];
    for (const callers of CALLERS) {
      const on = rows.find((r) => r.autoPipelining && r.callers === callers)!;
      const off = rows.find((r) => !r.autoPipelining && r.callers === callers)!;
      lines.push(`${callers} caller(s): off / on = ${(off.cpuUsPerCall / on.cpuUsPerCall).toFixed(2)}x CPU per call`);
    }
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    await server.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
