import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort, portFree, type RedisProcess, startRedis } from "./redis-server";

// A private Redis Cluster for the test run: masters and one replica each, on free loopback ports,
// joined by `redis-cli --cluster create` as an operator would. Nodes can be SIGKILLed and started
// again, so tests can watch a replica take over.

const exec = promisify(execFile);
/** redis-cli, bounded: a cluster that cannot form fails the run loudly rather than hanging it. */
const run = (cmd: string, args: string[]) => exec(cmd, args, { timeout: 30_000 });

export interface RedisClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** How long a master may be silent before its replica takes over (cluster-node-timeout). */
  nodeTimeoutMs?: number;
}

export interface RedisCluster {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,...`: what REDIS_URL takes for a cluster. */
  url: string;
  nodes: RedisProcess[];
  /** The nodes that are masters now (a failover changes which). */
  masters(): Promise<RedisProcess[]>;
  /** Waits until every running node reports cluster_state:ok, every slot is served and every replica is linked to its master. */
  ready(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedisCluster(o: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = o.masters ?? 3;
  const replicas = o.replicasPerMaster ?? 1;
  const count = masters * (1 + replicas);
  const ports = await uniquePorts(count);
  const nodes: RedisProcess[] = [];
  try {
    for (const port of ports) {
      nodes.push(
        await startRedis({
          port,
          extraArgs: [
            // A node that never met another reports an empty address in CLUSTER SLOTS (a one-master
            // cluster): clients must be told where it is.
            "--cluster-announce-ip",
            "127.0.0.1",
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            `nodes-${port}.conf`,
            "--cluster-node-timeout",
            String(o.nodeTimeoutMs ?? 1000),
            // A replica promoted after its master's death must not wait for a data-age check.
            "--cluster-replica-validity-factor",
            "0",
          ],
        }),
      );
    }
    if (masters >= 3) {
      await run("redis-cli", [
        "--cluster",
        "create",
        ...ports.map((p) => `127.0.0.1:${p}`),
        "--cluster-replicas",
        String(replicas),
        "--cluster-yes",
      ]);
    } else {
      // redis-cli creates clusters of 3 masters or more; fewer (a one-master baseline) get their
      // slots by hand, in equal ranges, and no replicas.
      if (replicas > 0) throw new Error("a cluster of fewer than 3 masters is made without replicas");
      for (let i = 0; i < masters; i++) {
        const from = Math.floor((16384 * i) / masters);
        const to = Math.floor((16384 * (i + 1)) / masters) - 1;
        await run("redis-cli", ["-p", String(ports[i]), "CLUSTER", "ADDSLOTSRANGE", String(from), String(to)]);
        if (i > 0) await run("redis-cli", ["-p", String(ports[i]), "CLUSTER", "MEET", "127.0.0.1", String(ports[0])]);
      }
    }
  } catch (e) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw new Error(`cannot start a Redis Cluster (redis-server and redis-cli are needed): ${(e as Error).message}`);
  }
  const cluster: RedisCluster = {
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(",")}`,
    nodes,
    async masters() {
      const out: RedisProcess[] = [];
      for (const n of nodes) {
        if (n.child.exitCode !== null || n.child.signalCode !== null) continue;
        const role = await ask(n.port, ["ROLE"]);
        if (Array.isArray(role) && role[0] === "master") out.push(n);
      }
      return out;
    },
    async ready(timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const running = nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);
        const states = await Promise.all(running.map((n) => ask(n.port, ["CLUSTER", "INFO"]).catch(() => "")));
        // Every node must also see every slot served by a node that is running: right after a
        // master dies, the others still report ok until the node timeout has passed.
        const alive = new Set(running.map((n) => n.port));
        const served = await Promise.all(running.map((n) => slotsServedBy(n.port).catch(() => [0])));
        // Every replica is linked to its master too: until then WAIT counts no replica, and a
        // store that waits for one gives up on that master for a while (cells/replication.ts), so
        // rooms written then could die with it (test/redis-cluster-failover lost 28 so, in CI).
        const links = await Promise.all(running.map((n) => ask(n.port, ["INFO", "replication"]).catch(() => "")));
        if (
          states.every((s) => /cluster_state:ok/.test(String(s)) && /cluster_slots_ok:16384/.test(String(s))) &&
          served.every((ports) => ports.every((p) => alive.has(p))) &&
          links.every((l) => !/role:slave/.test(String(l)) || /master_link_status:up/.test(String(l)))
        )
          return;
        if (Date.now() > until) throw new Error(`Redis Cluster not ready after ${timeoutMs} ms:\n${states.join("\n")}`);
        // Cluster state spreads by gossip: there is no event to wait on, only the next look.
        await new Promise((r) => setTimeout(r, 100).unref());
      }
    },
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
  await cluster.ready();
  return cluster;
}

async function ask(port: number, command: string[]): Promise<unknown> {
  const r = new Redis({
    port,
    host: "127.0.0.1",
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // One try, bounded: ready() asks again on its next look.
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: () => null,
  });
  try {
    await r.connect();
    return await r.call(command[0]!, ...command.slice(1));
  } finally {
    r.disconnect();
  }
}

/** The ports of the masters a node says serve the slots. */
async function slotsServedBy(port: number): Promise<number[]> {
  const ranges = (await ask(port, ["CLUSTER", "SLOTS"])) as [number, number, [string, number]][];
  return ranges.map((r) => Number(r[2][1]));
}

/**
 * Free ports whose cluster bus ports (port + 10000) are below 65536 and free too: a node whose bus
 * port was taken failed to start (`bind: Address already in use` on 44001, in CI).
 */
async function uniquePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) {
    const p = await freePort();
    const clash = out.has(p + 10000) || out.has(p - 10000);
    if (p + 10000 < 65536 && !clash && (await portFree(p + 10000))) out.add(p);
  }
  return [...out];
}
