import { loadavg } from "node:os";
import { startRedis } from "../../testkit/redis-server.js";
import { EnvOptions } from "../lib/options.js";
import { runMain } from "../lib/run-control.js";
import { table, times } from "../lib/table.js";
import { type Figures, measure } from "./calls.js";

// npm run bench:redis-calls: what one store script call costs this process in CPU through
// ioredis, with auto-pipelining (REDIS_AUTO_PIPELINING) on and off, with one caller and with
// several at once, against a private redis-server. The call is the shape of the store's: EVALSHA
// of a small script with one key and a few arguments. Settings: BENCH_REDIS_CALLS (20,000 per
// case), BENCH_REDIS_CALLERS (callers at once, a list: 1,20,200).

async function main(): Promise<number> {
  const e = new EnvOptions();
  const calls = e.int("BENCH_REDIS_CALLS", 20_000);
  const callerCounts = e.intList("BENCH_REDIS_CALLERS", [1, 20, 200]);
  const server = await startRedis();
  try {
    const rows: Figures[] = [];
    for (const callers of callerCounts)
      for (const autoPipelining of [true, false]) {
        process.stderr.write(`auto-pipelining ${autoPipelining ? "on " : "off"}, ${callers} caller(s) ...\n`);
        rows.push(await measure(server.url, { autoPipelining, callers }, calls));
      }
    const us = (v: number) => v.toFixed(1);
    const lines = [
      `one EVALSHA through ioredis, CPU of the calling process (${calls} calls a case, load ${loadavg()[0]!.toFixed(1)}):`,
      table(
        ["auto-pipelining", "callers", "CPU µs/call", "user", "system", "calls/s"],
        rows.map((r) => [
          r.autoPipelining ? "on" : "off",
          String(r.callers),
          us(r.cpuUsPerCall),
          us(r.userUsPerCall),
          us(r.systemUsPerCall),
          r.callsPerSecond.toFixed(0),
        ]),
      ),
    ];
    for (const callers of callerCounts) {
      const on = rows.find((r) => r.autoPipelining && r.callers === callers)!;
      const off = rows.find((r) => !r.autoPipelining && r.callers === callers)!;
      lines.push(`${callers} caller(s): off / on = ${times(off.cpuUsPerCall / on.cpuUsPerCall)} CPU per call`);
    }
    process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  } finally {
    await server.stop();
  }
}

runMain("bench:redis-calls", main);
