import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { basename, resolve } from "node:path";
import { createInterface } from "node:readline";
import { TEST_ADMIN_TOKEN } from "./client.js";
import type { NetHost } from "./netns.js";
import { waitTimer } from "./wait-timer.js";

// Starts roomgate components as separate processes on loopback (from the built CLI) and waits for
// each one's `ready` log line: no sleeps, no fixed ports. Shared by the integration tests and
// the benchmarks. A process may instead run on a host of testkit/netns.ts: in its own network
// namespace, listening on the host's address.

// The built CLI, whether this file runs from source (jest) or from dist/ (benchmarks).
const ROOT = resolve(__dirname, "..", ...(basename(resolve(__dirname, "..")) === "dist" ? [".."] : []));
export const BUILT_CLI = resolve(ROOT, "dist", "cli", "roomgate.js");

export interface LogLine {
  level: string;
  msg: string;
  component: string;
  [k: string]: unknown;
}

export class Proc {
  readonly lines: LogLine[] = [];
  /** What the process printed on stdout (its first 64 KiB): `up`'s banner with its links. */
  stdout = "";
  private readonly waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((res) => child.once("exit", (code, signal) => res({ code, signal })));
    const rl = createInterface({ input: child.stderr! });
    const copy = logCopy(name, child);
    rl.once("close", () => copy?.end());
    rl.on("line", (raw) => {
      copy?.write(`${raw}\n`);
      let line: LogLine;
      try {
        line = JSON.parse(raw);
      } catch {
        line = { level: "raw", msg: raw, component: name };
      }
      this.lines.push(line);
      if (this.lines.length > 5000) this.lines.splice(0, 1000);
      for (const w of [...this.waiters]) {
        if (w.match(line)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      if (this.stdout.length < 65_536) this.stdout += chunk;
    });
  }

  /** Resolves with the first match of `re` in stdout, once printed. */
  printed(re: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    return new Promise((res, rej) => {
      const look = () => {
        const m = re.exec(this.stdout);
        if (!m) return false;
        clearTimeout(timer);
        this.child.stdout!.off("data", look);
        res(m);
        return true;
      };
      const timer = waitTimer(() => {
        this.child.stdout!.off("data", look);
        rej(new Error(`${this.name}: nothing on stdout matched ${re} within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!look()) this.child.stdout!.on("data", look);
    });
  }

  get pid() {
    return this.child.pid!;
  }

  /** The process has neither exited nor been ended by a signal. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Resolves with the first log line (past or future) that matches, or fails after timeoutMs, or
   * when `cancel` aborts (the caller no longer waits: its listener and timer go at once).
   */
  waitFor(
    match: (l: LogLine) => boolean,
    timeoutMs = 15_000,
    what = "log line",
    cancel?: AbortSignal,
  ): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((res, rej) => {
      const waiter = {
        match,
        resolve: (l: LogLine) => {
          done();
          res(l);
        },
      };
      const fail = (why: () => string) => () => {
        done();
        rej(new Error(why()));
      };
      const timer = waitTimer(
        fail(() => `${this.name}: no ${what} within ${timeoutMs} ms; last lines:\n${this.tail()}`),
        timeoutMs,
      );
      const exit = fail(() => `${this.name} exited while waiting for ${what}:\n${this.tail()}`);
      const cancelled = fail(() => `${this.name}: stopped waiting for ${what}`);
      const done = () => {
        clearTimeout(timer);
        this.child.off("exit", exit);
        cancel?.removeEventListener("abort", cancelled);
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
      };
      this.child.once("exit", exit);
      cancel?.addEventListener("abort", cancelled, { once: true });
      this.waiters.push(waiter);
    });
  }

  tail(n = 15) {
    return this.lines
      .slice(-n)
      .map((l) => JSON.stringify(l))
      .join("\n");
  }

  kill(signal: NodeJS.Signals = "SIGTERM") {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}

/** How long a process may take to say it is ready; ROOMGATE_TEST_READY_MS raises it on a crowded machine. */
const READY_TIMEOUT_MS = Number(process.env.ROOMGATE_TEST_READY_MS) || 15_000;

export interface Started {
  proc: Proc;
  port: number;
  ready: LogLine;
  /** The address it listens on and is reached at: its host's, or 127.0.0.1. */
  ip: string;
}

/**
 * With ROOMGATE_CPU_PROF_DIR set, every process started here writes a V8 CPU profile there when it
 * exits (NODE_OPTIONS may not carry --cpu-prof), named for the component, for the benchmarks' profiles.
 */
let profiled = 0;
function profileArgs(name: string): string[] {
  const dir = process.env.ROOMGATE_CPU_PROF_DIR;
  if (!dir) return [];
  return ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}-${process.pid}-${++profiled}.cpuprofile`];
}

/**
 * With ROOMGATE_TEST_LOG_DIR set, every line a process logs is kept whole in a file of its own
 * (Proc.lines keeps only the newest): a rare failure's full story, read after the run. Pair it
 * with ROOMGATE_TEST_LOG_LEVEL=debug for the per-room lines.
 */
function logCopy(name: string, child: ChildProcess): WriteStream | undefined {
  const dir = process.env.ROOMGATE_TEST_LOG_DIR;
  if (!dir) return undefined;
  return createWriteStream(resolve(dir, `${name}-${child.pid}.log`), { flags: "a" });
}

export async function startComponent(
  component: "manager" | "gateway" | "gameserver" | "up",
  env: Record<string, string>,
  name: string = component,
  /** The component whose ready line means started; `up` is ready when its Gateway is. */
  readyComponent: string = component === "up" ? "gateway" : component,
  /** Another build's CLI (the benchmark's baseline checkout); this checkout's by default. */
  cli: string = BUILT_CLI,
  /** A host of testkit/netns.ts to run in (its namespace); the caller sets the *_HOST to its address. */
  host?: NetHost,
): Promise<Started> {
  const argv = [...profileArgs(name), cli, component];
  // `ip netns exec` execs node: the child's pid and signals are node's own.
  const [cmd, args] = host ? ["ip", ["netns", "exec", host.ns, process.execPath, ...argv]] : [process.execPath, argv];
  const child = spawn(cmd, args, {
    env: { ...process.env, LOG_FORMAT: "json", LOG_LEVEL: process.env.ROOMGATE_TEST_LOG_LEVEL ?? "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc = new Proc(name, child);
  try {
    const ready = await proc.waitFor(
      (l) => l.msg === "ready" && l.component === readyComponent,
      READY_TIMEOUT_MS,
      "ready line",
    );
    return { proc, port: Number(ready.port), ready, ip: host?.ip ?? "127.0.0.1" };
  } catch (e) {
    // Nobody else holds this process: a slow start must not leave it running on its own.
    await proc.kill("SIGKILL");
    throw e;
  }
}

/** `roomgate up` on loopback and the embedded store, resolved once both its game servers have registered. */
export async function startUp(env: Record<string, string> = {}): Promise<Started> {
  const up = await startComponent("up", {
    GATEWAY_PORT: "0",
    MANAGER_PORT: "0",
    GAMESERVER_PORT: "0",
    GATEWAY_HOST: "127.0.0.1",
    MANAGER_HOST: "127.0.0.1",
    GAMESERVER_HOST: "127.0.0.1",
    REDIS_URL: "",
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    ...env,
  });
  try {
    const registered = () => up.proc.lines.filter((l) => l.msg === "game server registered").length;
    await up.proc.waitFor(() => registered() >= 2, 10_000, "two game server registrations");
    return up;
  } catch (e) {
    await up.proc.kill("SIGKILL");
    throw e;
  }
}

/**
 * Every test and benchmark client calls from 127.0.0.1, which per-client limits would count as
 * one client; clusters run without them unless gatewayEnv sets them (as the limits' tests do).
 */
export const NO_CLIENT_LIMITS_ENV: Record<string, string> = {
  RATE_LIMIT_CREATE_PER_S: "0",
  RATE_LIMIT_JOIN_PER_S: "0",
  RATE_LIMIT_QUICKJOIN_PER_S: "0",
  RATE_LIMIT_READ_PER_S: "0",
  CLIENT_MAX_UNJOINED_ROOMS: "0",
  CLIENT_MAX_UNUSED_SEATS: "0",
  WATCH_MAX_STREAMS_PER_CLIENT: "0",
};

export interface ClusterOptions {
  redisUrl: string;
  keyPrefix: string;
  secret: string;
  gateways: number;
  gameServers: number;
  /** Managers sharing the store (default 1); Gateways and game servers get them all as a list. */
  managers?: number;
  /** Environment for every game server (capacity, report interval, limits). */
  gameServerEnv?: Record<string, string>;
  managerEnv?: Record<string, string>;
  /** Environment for Manager i alone, over managerEnv (its REDIS_URL through a proxy, say). */
  managerEnvs?: Record<string, string>[];
  gatewayEnv?: Record<string, string>;
  /** Environment for Gateway i alone, over gatewayEnv (its GATEWAY_REGION, say). */
  gatewayEnvs?: Record<string, string>[];
  /** The CLI every process runs (default: this checkout's build). */
  cli?: string;
  /**
   * Where each process runs, by name ("manager", "manager-1", "gateway-0", a game server's id): a
   * host of testkit/netns.ts, or undefined for the loopback of this network namespace. A hosted
   * game server listens on GAMESERVER_PORT 7001 of its host unless its env says otherwise.
   */
  hostOf?: (name: string) => NetHost | undefined;
}

export class Cluster {
  readonly procs: Proc[] = [];
  managers: Started[] = [];
  gateways: Started[] = [];
  gameServers: (Started & { id: string })[] = [];

  constructor(readonly o: ClusterOptions) {}

  private base() {
    return {
      REDIS_URL: this.o.redisUrl,
      REDIS_KEY_PREFIX: this.o.keyPrefix,
      ROOMGATE_SECRET: this.o.secret,
      // On a Redis Cluster: replicas on a test machine running a whole suite may take longer than
      // the 50 ms a deployment allows before it warns; well below the 1 s command timeout, since
      // a WAIT holds its master's connection for as long as it waits.
      REDIS_CLUSTER_WAIT_MS: "250",
    };
  }

  /** The first Manager (the only one unless `managers` says otherwise). */
  get manager(): Started {
    return this.managers[0]!;
  }

  get managerAddress() {
    return this.managers.map((m) => `${m.ip}:${m.port}`).join(",");
  }

  /** The first log line matching on any Manager (servers register with whichever they reach). */
  waitForAnyManager(match: (l: LogLine) => boolean, timeoutMs = 15_000, what = "log line"): Promise<LogLine> {
    return Promise.any(this.managers.map((m) => m.proc.waitFor(match, timeoutMs, what))).catch((e: AggregateError) => {
      throw e.errors[0];
    });
  }

  /** Resolves once any Manager has registered the game server. */
  registered(id: string, timeoutMs = READY_TIMEOUT_MS): Promise<LogLine> {
    return this.waitForAnyManager(
      (l) => l.msg === "game server registered" && l.serverId === id,
      timeoutMs,
      `${id} registered`,
    );
  }

  gatewayUrl(i = 0) {
    const g = this.gateways[i]!;
    return `http://${g.ip}:${g.port}`;
  }

  async start() {
    for (let i = 0; i < (this.o.managers ?? 1); i++) await this.startManager(0, i);
    const gws = Array.from({ length: this.o.gateways }, (_, i) => {
      const host = this.o.hostOf?.(`gateway-${i}`);
      return startComponent(
        "gateway",
        {
          ...this.base(),
          ...NO_CLIENT_LIMITS_ENV,
          ADMIN_TOKEN: TEST_ADMIN_TOKEN,
          GATEWAY_HOST: host?.ip ?? "127.0.0.1",
          GATEWAY_PORT: "0",
          MANAGER_ADDRESS: this.managerAddress,
          ...this.o.gatewayEnv,
          ...this.o.gatewayEnvs?.[i],
        },
        `gateway-${i}`,
        "gateway",
        this.o.cli,
        host,
      );
    });
    const gss = Array.from({ length: this.o.gameServers }, (_, i) => this.startGameServer(`gs-${i}`));
    // Every start is awaited, so one that fails leaves no rejection unhandled and stop() has the others.
    const settled = await Promise.allSettled([...gws, ...gss]);
    this.gateways = settled.slice(0, gws.length).flatMap((r) => (r.status === "fulfilled" ? [r.value as Started] : []));
    this.procs.push(...this.gateways.map((g) => g.proc));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    // Servers take rooms once the Manager has registered them.
    await Promise.all(this.gameServers.map((g) => this.registered(g.id)));
    return this;
  }

  /** Kills Manager i and starts a new one on the same port, as a supervisor would after a crash. */
  async restartManager(i = 0) {
    const port = this.managers[i]!.port;
    await this.managers[i]!.proc.kill("SIGKILL");
    return this.startManager(port, i);
  }

  private async startManager(port: number, i: number) {
    const name = i === 0 ? "manager" : `manager-${i}`;
    const host = this.o.hostOf?.(name);
    const m = await startComponent(
      "manager",
      {
        ...this.base(),
        MANAGER_HOST: host?.ip ?? "127.0.0.1",
        MANAGER_PORT: String(port),
        MANAGER_ID: name,
        // A host's address is not loopback; the run's own private network stands in for mutual TLS.
        ...(host && { INSECURE_INTERNAL: "true" }),
        ...this.o.managerEnv,
        ...this.o.managerEnvs?.[i],
      },
      name,
      "manager",
      this.o.cli,
      host,
    );
    this.managers[i] = m;
    this.procs.push(m.proc);
    return m;
  }

  async startGameServer(id: string, env: Record<string, string> = {}) {
    const host = this.o.hostOf?.(id);
    // Clients must be told the host's address before the server knows its port: a fixed one, in a
    // port space of the host's own.
    const port = env.GAMESERVER_PORT ?? this.o.gameServerEnv?.GAMESERVER_PORT ?? "7001";
    const hosted = host && { GAMESERVER_PORT: port, GAMESERVER_PUBLIC_ADDRESS: `ws://${host.ip}:${port}` };
    const gs = await startComponent(
      "gameserver",
      {
        ...this.base(),
        GAMESERVER_HOST: host?.ip ?? "127.0.0.1",
        GAMESERVER_PORT: "0",
        GAMESERVER_ID: id,
        MANAGER_ADDRESS: this.managerAddress,
        ...hosted,
        ...this.o.gameServerEnv,
        ...env,
      },
      id,
      "gameserver",
      this.o.cli,
      host,
    );
    const started = { ...gs, id };
    this.gameServers.push(started);
    this.procs.push(gs.proc);
    return started;
  }

  gameServer(id: string) {
    const gs = this.gameServers.find((g) => g.id === id);
    if (!gs) throw new Error(`no game server ${id}`);
    return gs;
  }

  /** SIGTERM everything, game servers first; SIGKILL what is still alive after timeoutMs. */
  async stop(timeoutMs = 10_000) {
    const order = [
      ...this.gameServers.map((g) => g.proc),
      ...this.gateways.map((g) => g.proc),
      ...this.managers.map((m) => m.proc),
    ];
    for (const p of order) {
      const t = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
      await p.kill("SIGTERM");
      clearTimeout(t);
    }
  }
}
