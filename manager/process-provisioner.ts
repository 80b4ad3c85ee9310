import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import type { Logger } from "../common/log.js";
import type { ProvisionedServer, Provisioner } from "./provisioner.js";

// Starts and stops `roomgate gameserver` processes on this host, as children of the Manager.
// Each child listens on 127.0.0.1 on a free port (GAMESERVER_PORT=0) and registers with the
// Managers in MANAGER_ADDRESS like any game server. It inherits the Manager's environment, so
// every game-server setting set there (REPORT_INTERVAL_MS, DRAIN_MODE, INTERNAL_TLS_*, LOG_*...)
// is the template; the options' env (capacity, secret, Managers) goes on top, and id, region,
// host and port are the provisioner's own. Children write their logs to the Manager's stdout and
// stderr. Stop is SIGTERM (the game server drains and exits 0), SIGKILL after stopTimeoutMs.
//
// When the Manager stops cleanly its children stop too (close()). When the Manager crashes they
// live on as ordinary game servers (their rooms keep playing and they register again with any
// Manager), but no provisioner owns them any more: `roomgate drain <id>` removes them.

export interface ProcessProvisionerOptions {
  /** The command that runs one game server; default: this installation's CLI, `gameserver`. */
  command?: string[];
  /** Environment of every child on top of this process's own: MANAGER_ADDRESS, ROOMGATE_SECRET, capacity. */
  env: Record<string, string>;
  /** Room slots each child registers with (its GAMESERVER_CAPACITY). */
  maxRooms: number;
  /** How long a stopping child may take before it is killed. */
  stopTimeoutMs: number;
  log: Logger;
  now?: () => number;
}

interface Child extends ProvisionedServer {
  proc: ChildProcess;
  exited: Promise<void>;
  stopping?: Promise<void>;
}

/** dist/manager/process-provisioner.js -> dist/cli/roomgate.js */
const BUILT_CLI = resolve(__dirname, "..", "cli", "roomgate.js");

export class ProcessProvisioner implements Provisioner {
  readonly name = "process";
  private readonly children = new Map<string, Child>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly o: ProcessProvisionerOptions) {
    this.now = o.now ?? Date.now;
  }

  async start(region: string): Promise<{ serverId: string }> {
    if (this.closed) throw new Error("provisioner is closed");
    const serverId = `auto-${region || "default"}-${randomBytes(4).toString("hex")}`;
    const [cmd, ...args] = this.o.command ?? [process.execPath, BUILT_CLI, "gameserver"];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...this.o.env,
      GAMESERVER_CAPACITY: String(this.o.maxRooms),
      GAMESERVER_ID: serverId,
      GAMESERVER_REGION: region,
      GAMESERVER_HOST: "127.0.0.1",
      GAMESERVER_PORT: "0",
    };
    // Its address follows its own port (ws://127.0.0.1:PORT); one address for all would be wrong.
    delete env.GAMESERVER_PUBLIC_ADDRESS;
    // Same host: the Manager's admin port is taken, so each child's admin listener takes a free one (logged).
    if (env.METRICS_PORT) env.METRICS_PORT = "0";
    const proc = spawn(cmd!, args, { env, stdio: ["ignore", "inherit", "inherit"] });
    await new Promise<void>((res, rej) => {
      proc.once("spawn", res);
      proc.once("error", rej);
    });
    proc.on("error", (e) => this.o.log.warn("game server process error", { serverId, error: String(e) }));
    const child: Child = {
      serverId,
      region,
      startedAtMs: this.now(),
      maxRooms: this.o.maxRooms,
      proc,
      exited: new Promise((res) =>
        proc.once("exit", (code, signal) => {
          this.children.delete(serverId);
          const fields = { serverId, pid: proc.pid, code, signal };
          if (child.stopping) this.o.log.info("game server process stopped", fields);
          else this.o.log.warn("game server process exited on its own", fields);
          res();
        }),
      ),
    };
    this.children.set(serverId, child);
    this.o.log.info("started game server process", { serverId, region, pid: proc.pid });
    return { serverId };
  }

  stop(serverId: string): Promise<void> {
    const child = this.children.get(serverId);
    if (!child) return Promise.resolve();
    child.stopping ??= (async () => {
      child.proc.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((res) => (timer = setTimeout(() => res(true), this.o.stopTimeoutMs)));
      const killed = await Promise.race([child.exited.then(() => false), late]);
      clearTimeout(timer);
      if (killed) {
        this.o.log.warn("game server process did not stop in time; killing it", {
          serverId,
          pid: child.proc.pid,
          timeoutMs: this.o.stopTimeoutMs,
        });
        child.proc.kill("SIGKILL");
        await child.exited;
      }
    })();
    return child.stopping;
  }

  async list(): Promise<ProvisionedServer[]> {
    return [...this.children.values()]
      .filter((c) => !c.stopping)
      .map(({ serverId, region, startedAtMs, maxRooms }) => ({ serverId, region, startedAtMs, maxRooms }));
  }

  expectedMaxRooms(): number {
    return this.o.maxRooms;
  }

  /** Stops every child at once (each drains) and waits until all have exited; starts no more. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.children.keys()].map((id) => this.stop(id)));
  }
}
