import { fork } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import WebSocket from "ws";
import { BUILT_CLI } from "../../testkit/cluster.js";
import { childMessage, stopChild } from "../lib/child-message.js";
import { clockTicks, readStat } from "../lib/proc.js";
import type { Progress } from "../lib/progress.js";
import { sleep } from "../lib/run-control.js";
import type { E2eOptions } from "./options.js";

// The floor phase of the end-to-end run (floor-server.ts): the same number of sockets and frames
// of the size a patch had, sent by a bare uWebSockets.js process. Its CPU per frame is what a
// player-tick cannot cost less than here; the rest of a mode's figure is roomgate's own.

const SERVER = resolve(BUILT_CLI, "..", "..", "bench", "sync", "floor-server.js");
const CONNECT_CONCURRENCY = 32;

export interface FloorResult {
  bytesPerFrame: number;
  frames: number;
  measuredS: number;
  /** Server CPU per frame delivered, all of it and the kernel's part. */
  cpuUsPerFrame: number;
  sysUsPerFrame: number;
}

export async function runFloor(
  o: E2eOptions,
  bytesPerFrame: number,
  progress: Progress,
  signal: AbortSignal,
): Promise<FloorResult> {
  const bytes = Math.max(1, Math.round(bytesPerFrame));
  const child = fork(SERVER, [String(bytes), String(o.players), String(o.tickHz)], { stdio: "inherit" });
  const sockets: WebSocket[] = [];
  try {
    const port = (await childMessage<{ port: number }>(child, "port")).port;
    let frames = 0;
    const total = o.rooms * o.players;
    progress.note(`floor: ${total} sockets to a bare uWS server sending ${bytes} B frames at ${o.tickHz} Hz`);
    for (let i = 0; i < total; i += CONNECT_CONCURRENCY) {
      const batch = Array.from({ length: Math.min(CONNECT_CONCURRENCY, total - i) }, async () => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/floor`, { perMessageDeflate: false });
        sockets.push(ws);
        ws.on("message", () => frames++);
        await once(ws, "open");
      });
      await Promise.all(batch);
    }
    child.send({ start: Date.now() });
    await childMessage(child, "started");
    await sleep(o.warmupS * 1000, signal);
    const a = readStat(child.pid!);
    const f0 = frames;
    const t0 = performance.now();
    await sleep(o.seconds * 1000, signal);
    const b = readStat(child.pid!);
    const measuredS = (performance.now() - t0) / 1000;
    const got = frames - f0;
    if (!a || !b || got === 0) throw new Error("floor: no CPU figures or no frames (is /proc readable?)");
    const us = (ticks: number) => ((ticks / clockTicks()) * 1e6) / got;
    return {
      bytesPerFrame: bytes,
      frames: got,
      measuredS,
      cpuUsPerFrame: us(b.cpuTicks - a.cpuTicks),
      sysUsPerFrame: us(b.sysTicks - a.sysTicks),
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await stopChild(child);
  }
}
