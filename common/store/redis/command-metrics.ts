import type { RedisClient } from "./client.js";
import { isNoScript } from "./lua.js";
import { Counter, Histogram } from "prom-client";
import { LATENCY_BUCKETS, registry } from "../../metrics/registry.js";

// Every command a store's Redis client sends is timed, and counted when it fails (a Redis error
// reply, a timeout, or a refusal while the connection is down). ioredis has no per-command hook,
// so the client's sendCommand is wrapped; the label is the command's name (a bounded set: the
// store sends a few dozen kinds, its scripts as evalsha), never a key.

const commands = new Histogram({
  name: "roomgate_redis_command_duration_seconds",
  help: "Time from sending a Redis command to its answer (or failure), seconds.",
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

const errors = new Counter({
  name: "roomgate_redis_command_errors_total",
  help: "Redis commands that failed: error replies, timeouts, and commands refused while the connection was down.",
  labelNames: ["command"] as const,
  registers: [registry],
});

const TIMED = Symbol("roomgate.timed");
type Sent = { name: string; promise: Promise<unknown>; [TIMED]?: true };

/** Wraps the client's sendCommand once; a command queued and sent again is timed once. */
export function instrumentRedis(redis: RedisClient): void {
  // A cluster client's sendCommand takes a third argument (the node): every argument passes on.
  const r = redis as unknown as { sendCommand: (c: Sent, ...rest: unknown[]) => unknown; [TIMED]?: true };
  if (r[TIMED]) return;
  r[TIMED] = true;
  const send = r.sendCommand.bind(redis);
  r.sendCommand = (command, ...rest) => {
    if (!command[TIMED]) {
      command[TIMED] = true;
      const t0 = performance.now();
      command.promise.then(
        () => commands.observe((performance.now() - t0) / 1000),
        (e: unknown) => {
          commands.observe((performance.now() - t0) / 1000);
          // A script Redis had not cached yet is sent again with its source (lua.ts): no failure.
          if (!isNoScript(e)) errors.inc({ command: command.name });
        },
      );
    }
    return send(command, ...rest);
  };
}
