import { runCli } from "../testkit/cli.js";
import type { Cluster, LogLine, Proc } from "../testkit/cluster.js";
import type { CellStore } from "../common/store/cells/cell-store.js";
import type { RedisStore } from "../common/store/redis-store.js";
import type { Netns } from "../testkit/netns.js";

// The faults of the chaos suite (the store's own fault comes with its backend: backend.ts). Each one does what an outage or an operator would, through
// real signals and the real CLI, and then puts the cluster back to full strength for the next.

export interface World {
  cluster: Cluster;
  store: RedisStore | CellStore;
  /** How long Redis stays down in the Redis fault. */
  redisDownMs: number;
  /** Longest a partition fault waits for what it should cause (its rooms or servers moved, a Gateway back). */
  partitionMaxMs: number;
  /** How long a Gateway stays cut off from the Managers. */
  gatewayCutMs: number;
  /** The hosts every process runs on (hosts.ts); absent on loopback, where no partition can be made. */
  net?: Netns;
  log(msg: string): void;
  /** What the current fault did when, for the report (reset before each fault). */
  marks: {
    redisDownAt?: number;
    redisUpAt?: number;
    /** A Gateway cut off from the Managers, until it served a CreateRoom again. */
    gatewayCut?: { gateway: number; from: number; until: number };
    managerCut?: { manager: number; at: number };
  };
  /** What the current fault saw that the table has no column for (reset before each fault). */
  notes: string[];
}

export interface Fault {
  name: string;
  inject(w: World): Promise<void>;
  /** Back to full strength (a new server for one that died or drained; the Manager restarted). */
  heal(w: World): Promise<void>;
}

/** The live game server holding the most rooms: the fault hurts as many players as it can. */
export async function busiestServer(w: World) {
  const live = w.cluster.gameServers.filter((g) => g.proc.running);
  let best = live[0]!;
  let most = -1;
  for (const g of live) {
    const n = (await w.store.listServerRooms(g.id).catch(() => [])).length;
    if (n > most) [best, most] = [g, n];
  }
  w.log(`  target ${best.id} with ${most} rooms`);
  return best;
}

/** Resolves once every store connection of the process that was lost since `since` is restored. */
export async function storeBack(p: Proc, since: number) {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const after = (l: LogLine) => Date.parse(String(l.time)) >= since;
  const lost = new Set(
    p.lines
      .filter((l) => after(l) && String(l.msg).startsWith("store connection lost"))
      .map((l) => String(l.connection)),
  );
  for (const connection of lost) {
    await p.waitFor(
      (l) => after(l) && l.msg === "store connection restored" && l.connection === connection,
      15_000,
      `${connection} store connection restored`,
    );
  }
}

let replacements = 0;
async function replaceServer(w: World) {
  const id = `gs-r${++replacements}`;
  await w.net?.addHost(id, LAN);
  await w.cluster.startGameServer(id);
  await w.cluster.registered(id);
}

/** The one region of the run's hosts (hosts.ts). */
export const LAN = "lan";

const crashServer: Fault = {
  name: "SIGKILL a game server",
  async inject(w) {
    const target = await busiestServer(w);
    await target.proc.kill("SIGKILL");
  },
  heal: replaceServer,
};

const crashManager: Fault = {
  name: "SIGKILL a Manager",
  async inject(w) {
    await w.cluster.managers[0]!.proc.kill("SIGKILL");
  },
  async heal(w) {
    await w.cluster.restartManager(0);
  },
};

const drainServer: Fault = {
  name: "drain a game server",
  async inject(w) {
    const target = await busiestServer(w);
    // What an operator types; the server moves its rooms and exits on its own.
    const { code, out } = await runCli(["drain", target.id], { MANAGER_ADDRESS: w.cluster.managerAddress });
    if (code !== 0) {
      // Refused (say, not connected): what the server and the Managers said of it explains why.
      const named = w.cluster.managers.flatMap((m) =>
        m.proc.lines
          .filter((l) => l.serverId === target.id)
          .slice(-8)
          .map((l) => `${m.proc.name}: ${JSON.stringify(l)}`),
      );
      throw new Error(
        `roomgate drain ${target.id} exited ${code}: ${out}\n${target.id} said:\n${target.proc.tail(12)}\nManagers said of it:\n${named.join("\n")}`,
      );
    }
    const exit = await target.proc.exited;
    if (exit.code !== 0) throw new Error(`${target.id} exited with ${JSON.stringify(exit)} after draining`);
  },
  heal: replaceServer,
};

const rollingRestart: Fault = {
  name: "rolling restart of every game server",
  async inject(w) {
    // As a deployment would: a new server first, then SIGTERM (a drain) of one old one, in turn.
    const old = w.cluster.gameServers.filter((g) => g.proc.running);
    for (const g of old) {
      await replaceServer(w);
      await g.proc.kill("SIGTERM");
      const exit = await g.proc.exited;
      if (exit.code !== 0) throw new Error(`${g.id} exited with ${JSON.stringify(exit)} on SIGTERM`);
      w.log(`  ${g.id} drained and replaced`);
    }
  },
  async heal() {},
};

/** The faults in the order they run, the store's own (backend.ts) third, the partitions (when the processes are on hosts) last. */
export function faults(store: Fault, partitions: Fault[]): Fault[] {
  return [crashServer, crashManager, store, drainServer, rollingRestart, ...partitions];
}
