import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NetHost } from "./netns.js";

// A private redis-server for the test run: its own port, its own directory, nothing on disk by
// default. With persistence (AOF) it can be halted and started again on the same port with the
// same data, so tests can take Redis away and bring it back.

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether nothing listens on 127.0.0.1:port now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

export interface RedisServerOptions {
  /** A fixed port; a free one when unset. */
  port?: number;
  /**
   * Turns the append-only file on, fsynced at every write (`always`: not even a SIGKILL loses an
   * acknowledged write) or every second (`everysec`: a clean shutdown loses nothing). Off by
   * default: no persistence at all.
   */
  appendfsync?: "always" | "everysec";
  /** More redis-server arguments (a cluster node's, say). */
  extraArgs?: string[];
  /**
   * Runs it on a host of testkit/netns.ts: in the host's namespace, listening on the host's
   * address (port 6379 unless `port` says otherwise: the host's ports are its own).
   */
  host?: NetHost;
}

export interface RedisProcess {
  url: string;
  port: number;
  /** Its working directory (the append-only file lives here). */
  dir: string;
  /** The running redis-server (a new one after each restart). */
  readonly child: ChildProcess;
  /** Stops the server for good and removes its directory. */
  stop(): Promise<void>;
  /** Stops the server (SIGTERM: a clean shutdown; SIGKILL: a crash) and keeps its directory. */
  halt(signal?: NodeJS.Signals): Promise<void>;
  /** Starts a halted server again on the same port and directory, and waits until it is ready. */
  restart(): Promise<void>;
}

export async function startRedis(portOrOptions?: number | RedisServerOptions): Promise<RedisProcess> {
  const o: RedisServerOptions = typeof portOrOptions === "number" ? { port: portOrOptions } : (portOrOptions ?? {});
  const port = o.port ?? (o.host ? 6379 : await freePort());
  const ip = o.host?.ip ?? "127.0.0.1";
  const dir = mkdtempSync(join(tmpdir(), "roomgate-redis-"));
  const args = ["--port", String(port), "--bind", ip, "--save", "", "--dir", dir, "--loglevel", "notice"];
  // Beyond loopback without a password, Redis refuses every client unless told the network is private.
  if (o.host) args.push("--protected-mode", "no");
  args.push(...(o.appendfsync ? ["--appendonly", "yes", "--appendfsync", o.appendfsync] : ["--appendonly", "no"]));
  args.push(...(o.extraArgs ?? []));
  const command: [string, string[]] = o.host
    ? ["ip", ["netns", "exec", o.host.ns, "redis-server", ...args]]
    : ["redis-server", args];
  let child: ChildProcess;
  try {
    child = await launch(...command);
  } catch (e) {
    rmDir(dir);
    throw e;
  }
  const halt = (signal: NodeJS.Signals = "SIGTERM") =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill(signal);
    });
  return {
    url: `redis://${ip}:${port}`,
    port,
    dir,
    get child() {
      return child;
    },
    halt,
    async restart() {
      if (child.exitCode === null && child.signalCode === null)
        throw new Error("redis-server is still running; halt it first");
      child = await launch(...command);
    },
    stop: async () => {
      await halt();
      rmDir(dir);
    },
  };
}

/** Spawns redis-server and resolves once it accepts connections (after loading its data). */
async function launch(cmd: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`redis-server not ready after 10 s:\n${out}`)), 10_000);
    timer.unref();
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes("Ready to accept connections")) {
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`redis-server exited with ${code} before it was ready:\n${out}`));
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (e) =>
      reject(
        new Error(
          `cannot start redis-server (${e.message}); install it (apt-get install redis-server) or set REDIS_URL`,
        ),
      ),
    );
    child.once("exit", onExit);
  });
  // The ready line is all we wait for; later output is drained so the pipe never fills.
  child.stdout!.removeAllListeners("data");
  child.stderr!.removeAllListeners("data");
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

function rmDir(dir: string) {
  rmSync(dir, { recursive: true, force: true });
}
