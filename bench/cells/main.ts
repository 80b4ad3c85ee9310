import { loadavg } from "node:os";
import { cellOfRoom } from "../../common/store/cells/cell-code.js";
import { slotOf } from "../../common/store/cells/slot.js";
import { type RedisCluster, startRedisCluster } from "../../testkit/redis-cluster.js";
import { Progress } from "../lib/progress.js";
import { resultStamp, writeResult } from "../lib/results.js";
import { machine, runMain, stopController } from "../lib/run-control.js";
import { num, table } from "../lib/table.js";
import { shutdown, Teardown } from "../lib/teardown.js";
import { allocate, fleetStore, masterStats } from "./fleet.js";
import { readCellsOptions } from "./options.js";
import { cellsChart } from "./chart.js";

// `npm run bench:cells` (issue 16): the store on a real Redis Cluster. With 12 cells, the same
// allocation load against one master and against three: allocations/s, how the ALLOCATE scripts
// spread over the masters and what each master's CPU did; then Redis memory per live room at a
// million rooms over three masters. Clusters without replicas (nothing here measures failover).

interface ThroughputPhase {
  masters: number;
  allocations: number;
  errors: number;
  seconds: number;
  perSecond: number;
  /** The load generator's own CPU (it shares the machine's cores with the masters). */
  generatorCpuSeconds: number;
  perMaster: { address: string; allocate: number; evalsha: number; cpuShare: number }[];
}

async function main(): Promise<number> {
  const o = readCellsOptions();
  const progress = new Progress();
  const note = (m: string) => progress.note(m);
  const teardown = new Teardown();
  const { stop, release } = stopController(o.budgetMs);
  const record = {
    startedAt: new Date().toISOString(),
    options: o,
    machine: machine(),
    throughput: [] as ThroughputPhase[],
    memory: undefined as
      | undefined
      | { rooms: number; bytesPerRoom: number; perMaster: { address: string; bytes: number; keys: number }[] },
    problems: [] as string[],
  };
  let last: RedisCluster | undefined;
  try {
    for (const masters of [1, 3]) {
      if (stop.signal.aborted) break;
      note(`starting a Redis Cluster of ${masters} master(s) ...`);
      const cluster = await startRedisCluster({ masters, replicasPerMaster: 0 });
      teardown.add(`cluster of ${masters}`, () => cluster.stop());
      const store = await fleetStore(cluster, "bench:", o.cells, o.serversPerCell);
      teardown.add(`store on ${masters}`, () => store.close());
      // Warm: scripts loaded on every master, cell capacities read.
      await allocate(
        store,
        { total: 500, concurrency: 16, confirm: false, signal: stop.signal },
        { done: 0, errors: 0 },
      );
      const before = await masterStats(cluster);
      const counts = { done: 0, errors: 0 };
      progress.begin(`allocate, ${masters} master(s)`, o.allocations, () => counts);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const ids = await allocate(
        store,
        { total: o.allocations, concurrency: o.concurrency, confirm: false, signal: stop.signal },
        counts,
      );
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      progress.end();
      const after = await masterStats(cluster);
      const byMaster = new Map<string, number>();
      const slots = store.redis.slots;
      for (const id of ids) {
        const owner = slots[slotOf(`{c${cellOfRoom(id)}}`)]![0]!;
        byMaster.set(owner, (byMaster.get(owner) ?? 0) + 1);
      }
      record.throughput.push({
        masters,
        allocations: counts.done,
        errors: counts.errors,
        seconds,
        perSecond: counts.done / seconds,
        generatorCpuSeconds: (cpu.user + cpu.system) / 1e6,
        perMaster: after.map((a) => {
          const b = before.find((x) => x.address === a.address);
          return {
            address: a.address,
            allocate: byMaster.get(a.address) ?? 0,
            evalsha: a.evalsha - (b?.evalsha ?? 0),
            cpuShare: (a.cpuSeconds - (b?.cpuSeconds ?? 0)) / seconds,
          };
        }),
      });
      if (masters === 3) last = cluster;
    }
    if (last && !stop.signal.aborted) record.memory = await memoryPhase(last, o, progress, stop.signal, teardown);
  } catch (e) {
    record.problems.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
  } finally {
    record.problems.push(...(await shutdown(teardown, note)));
    release();
  }
  const stamp = resultStamp(record.startedAt);
  const json = writeResult(`cells-${stamp}.json`, JSON.stringify({ ...record, loadavgEnd: loadavg() }, null, 2) + "\n");
  const svg = writeResult(`cells-${stamp}.svg`, cellsChart(record.throughput, record.memory?.bytesPerRoom));
  process.stdout.write(summary(record.throughput, record.memory) + `\nwrote ${json}\nwrote ${svg}\n`);
  for (const p of record.problems) process.stdout.write(`problem: ${p}\n`);
  return record.problems.length > 0 || record.throughput.some((t) => t.errors > 0) ? 2 : 0;
}

async function memoryPhase(
  cluster: RedisCluster,
  o: ReturnType<typeof readCellsOptions>,
  progress: Progress,
  signal: AbortSignal,
  teardown: Teardown,
) {
  const store = await fleetStore(cluster, "mem:", o.cells, o.serversPerCell);
  teardown.add("memory store", () => store.close());
  // The throughput phase's claims expire first (2 s), so they do not count against these rooms.
  await new Promise((r) => setTimeout(r, 3000));
  const before = await masterStats(cluster);
  const counts = { done: 0, errors: 0 };
  progress.begin("memory: rooms allocated and opened", o.memoryRooms, () => counts);
  await allocate(store, { total: o.memoryRooms, concurrency: o.concurrency, confirm: true, signal }, counts);
  progress.end();
  // Each allocation's claim expires with its open window (2 s here): what stays is the rooms.
  await new Promise((r) => setTimeout(r, 3000));
  const after = await masterStats(cluster);
  const perMaster = after.map((a) => {
    const b = before.find((x) => x.address === a.address);
    return { address: a.address, bytes: a.usedMemory - (b?.usedMemory ?? 0), keys: a.keys - (b?.keys ?? 0) };
  });
  const bytes = perMaster.reduce((s, m) => s + m.bytes, 0);
  return { rooms: counts.done, bytesPerRoom: bytes / Math.max(1, counts.done), perMaster };
}

function summary(
  t: ThroughputPhase[],
  memory?: { rooms: number; bytesPerRoom: number; perMaster: { address: string; bytes: number; keys: number }[] },
) {
  const lines = ["", "Allocations on a Redis Cluster, 12 cells (bench:cells)", ""];
  lines.push(
    table(
      [
        "masters",
        "allocations/s",
        "generator CPU",
        "ALLOCATE per master",
        "evalsha per master",
        "master CPU (share of a core)",
      ],
      t.map((p) => [
        String(p.masters),
        num(p.perSecond),
        `${num((100 * p.generatorCpuSeconds) / p.seconds)}% of a core`,
        p.perMaster.map((m) => num(m.allocate)).join(" / "),
        p.perMaster.map((m) => num(m.evalsha)).join(" / "),
        p.perMaster.map((m) => `${num(100 * m.cpuShare)}%`).join(" / "),
      ]),
    ),
  );
  if (t.length === 2)
    lines.push("", `3 masters / 1 master: ${(t[1]!.perSecond / t[0]!.perSecond).toFixed(2)}x allocations/s`);
  if (memory) {
    lines.push(
      "",
      `Redis memory per live room at ${num(memory.rooms)} rooms over ${memory.perMaster.length} masters: ${num(memory.bytesPerRoom)} B`,
      `  per master: ${memory.perMaster.map((m) => `${(m.bytes / 2 ** 20).toFixed(0)} MiB, ${num(m.keys)} keys`).join(" / ")}`,
    );
  }
  return lines.join("\n") + "\n";
}

runMain("bench:cells", main);
