import { fork } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import WebSocket from "ws";
import { newPlayerId } from "../../common/ids.js";
import { encodeRelayed } from "../../gameserver/hot-frames.js";
import { ClientFrameSchema } from "../../gen/roomgate/v1/room_pb.js";
import { BUILT_CLI } from "../../testkit/cluster.js";
import { askCount, childMessage, stopChild } from "../lib/child-message.js";
import { clockTicks, readStat } from "../lib/proc.js";
import type { Progress } from "../lib/progress.js";
import { sleep } from "../lib/run-control.js";
import { PAYLOAD_BYTES } from "../rooms/fanout.js";

// One fan-out floor run: the shape of `npm run bench`'s fan-out phase (rooms of players, each
// player sending `rate` frames a second, spread evenly over each second, relayed to the room's
// other players) against a bare uWebSockets.js relay (relay-server.ts), with frames of the sizes
// roomgate's are: a broadcast of the phase's payload in, a relayed message out. The server's CPU
// over the window per delivery is what a delivered message cannot cost a game server less than.

const SERVER = resolve(BUILT_CLI, "..", "..", "bench", "floors", "relay-server.js");
const TICK_MS = 10;
/** How long deliveries of the window's last sends may take before the window's count is read. */
const SETTLE_MS = 500;

export interface RelayFloorOptions {
  rooms: number;
  players: number;
  rate: number;
  seconds: number;
}

export interface RelayFloor {
  /** Deliveries in the window, and as a share of what its sends should make. */
  delivered: number;
  deliveredShare: number;
  /** The server's CPU per delivery: all of it, and the kernel's part. */
  usPerDelivery: number;
  sysUsPerDelivery: number;
  bytesIn: number;
  bytesOut: number;
}

/** A broadcast of the fan-out phase's payload, and its relayed form, as roomgate encodes them. */
function frameSizes() {
  const payload = new Uint8Array(PAYLOAD_BYTES);
  const sent = toBinary(
    ClientFrameSchema,
    create(ClientFrameSchema, { frame: { case: "broadcast", value: { payload } } }),
  );
  return { sent, relayedBytes: encodeRelayed(newPlayerId(), payload).length };
}

export async function runRelayFloor(
  o: RelayFloorOptions,
  progress: Progress,
  signal: AbortSignal,
): Promise<RelayFloor> {
  const { sent: frame, relayedBytes } = frameSizes();
  const child = fork(SERVER, [String(o.players), String(relayedBytes)], { stdio: "inherit" });
  const sockets: WebSocket[] = [];
  let tick: NodeJS.Timeout | undefined;
  let received = 0;
  let sends = 0;
  try {
    const { port } = await childMessage<{ port: number }>(child, "port");
    const total = o.rooms * o.players;
    progress.note(
      `relay: ${o.rooms} rooms of ${o.players}, ${o.rate} frames a second each, to a bare uWebSockets.js relay`,
    );
    // One after another: the server puts connection n in room n / players.
    for (let i = 0; i < total && !signal.aborted; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/relay`, { perMessageDeflate: false });
      ws.on("message", () => received++);
      ws.on("error", () => {});
      sockets.push(ws);
      await once(ws, "open");
    }
    const perSecond = total * o.rate;
    let cursor = 0;
    let due = 0;
    const started = performance.now();
    tick = setInterval(() => {
      due = Math.floor(((performance.now() - started) * perSecond) / 1000);
      while (sends < due) {
        const ws = sockets[cursor]!;
        cursor = (cursor + 1) % sockets.length;
        if (ws.readyState === WebSocket.OPEN) ws.send(frame);
        sends++;
      }
    }, TICK_MS);
    // A second of sending before the window: sockets and JIT warm.
    await sleep(1000, signal);
    const a = readStat(child.pid!);
    const [received0, sends0] = [received, sends];
    const relayed0 = (await askCount(child, "relayed")).relayed;
    progress.begin("relay deliveries", perSecond * (o.players - 1) * o.seconds, () => ({
      done: received - received0,
      errors: 0,
    }));
    await sleep(o.seconds * 1000, signal);
    const b = readStat(child.pid!);
    const relayed1 = (await askCount(child, "relayed")).relayed;
    const sends1 = sends;
    clearInterval(tick);
    tick = undefined;
    await sleep(SETTLE_MS, signal);
    progress.end();
    const delivered = (relayed1 - relayed0) * (o.players - 1);
    if (!a || !b || delivered === 0)
      throw new Error("relay floor: no CPU figures or nothing relayed (is /proc readable?)");
    const us = (ticks: number) => ((ticks / clockTicks()) * 1e6) / delivered;
    return {
      delivered,
      deliveredShare: (received - received0) / ((sends1 - sends0) * (o.players - 1)),
      usPerDelivery: us(b.cpuTicks - a.cpuTicks),
      sysUsPerDelivery: us(b.sysTicks - a.sysTicks),
      bytesIn: frame.length,
      bytesOut: relayedBytes,
    };
  } finally {
    clearInterval(tick);
    for (const ws of sockets) ws.terminate();
    await stopChild(child);
  }
}
