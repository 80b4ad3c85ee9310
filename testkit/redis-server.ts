import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

// A private redis-server for the test run: its own port, its own directory, nothing on disk.

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

export interface RedisProcess {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startRedis(port?: number): Promise<RedisProcess> {
  const p = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "roomgate-redis-"));
  const child = spawn(
    "redis-server",
    ["--port", String(p), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--loglevel", "notice"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes("Ready to accept connections")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (e) =>
      reject(new Error(`cannot start redis-server (${e.message}); install it (apt-get install redis-server) or set REDIS_URL`)),
    );
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${out}`)));
    setTimeout(() => reject(new Error(`redis-server not ready after 10 s:\n${out}`)), 10_000).unref();
  });
  // The ready line is all we wait for; later output is drained so the pipe never fills.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    url: `redis://127.0.0.1:${p}`,
    port: p,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(rmDir(dir));
        child.once("exit", () => resolve(rmDir(dir)));
        child.kill("SIGTERM");
      }),
  };
}

function rmDir(dir: string) {
  rmSync(dir, { recursive: true, force: true });
}
