import { monitorEventLoopDelay } from "node:perf_hooks";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type WebSocket from "ws";
import { ClientFrameSchema, ServerFrameSchema } from "../../gen/roomgate/v1/room_pb.js";
import { gatewayClient } from "../../testkit/client.js";
import type { CpuSample, CpuSampler } from "../lib/cpu.js";
import { errorText } from "../lib/errors.js";
import { sleep } from "../lib/run-control.js";
import { createRoom, type RoomPhaseInput } from "./room-phases.js";
import { joinUntilWelcome, leave } from "./room-ops.js";

// Fan-out: `rooms` rooms of `players` players each, every player broadcasting `rate` messages a
// second, which the game server relays to the room's other players. Sends are spread evenly over
// each second (one round-robin cursor over all players, topped up every TICK_MS), so the figure is
// steady relaying, not bursts. Each payload carries its send time on this process's monotonic
// clock and whether it belongs to the measured window; receivers count and time window messages.
// The window's CPU (all roomgate processes) divided by the window's deliveries is the figure.

const TICK_MS = 10;
/** Unmeasured sending before the window, so sockets and JIT are warm. */
const WARM_MS = 1000;
/** How long the last window messages may take to arrive before the missing ones count as lost. */
const DRAIN_MS = 3000;
export const PAYLOAD_BYTES = 16;

export interface FanoutResult {
  rooms: number;
  players: number;
  ratePerPlayer: number;
  windowMs: number;
  /** Broadcasts sent in the window, and the deliveries they should make (sent x (players - 1)). */
  sent: number;
  expected: number;
  delivered: number;
  /** Deliveries of window messages that arrived more than once or from a frame that did not decode. */
  bad: number;
  latenciesMs: number[];
  /**
   * This process's event-loop delay over the window (p99 and max, ms): a load generator that
   * falls behind delays receiving, and latency up to about this much is its own, not the server's.
   */
  generatorDelayMs?: { p99: number; max: number };
  /** CPU samples at the window's start and end (the caller attributes them). */
  cpu?: { a: CpuSample; b: CpuSample };
  setupErrors: string[];
}

/** A broadcast payload: send time (ms, monotonic) and whether it is a window message. */
export function encodePayload(sentAt: number, measured: boolean): Uint8Array {
  const b = new Uint8Array(PAYLOAD_BYTES);
  const v = new DataView(b.buffer);
  v.setFloat64(0, sentAt);
  v.setUint8(8, measured ? 1 : 0);
  return b;
}

export function decodePayload(b: Uint8Array): { sentAt: number; measured: boolean } | undefined {
  if (b.byteLength !== PAYLOAD_BYTES) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { sentAt: v.getFloat64(0), measured: v.getUint8(8) === 1 };
}

export async function fanout(
  p: RoomPhaseInput & { rooms: number; players: number; rate: number; seconds: number; cpu: CpuSampler },
): Promise<FanoutResult> {
  const r: FanoutResult = {
    rooms: p.rooms,
    players: p.players,
    ratePerPlayer: p.rate,
    windowMs: 0,
    sent: 0,
    expected: 0,
    delivered: 0,
    bad: 0,
    latenciesMs: [],
    setupErrors: [],
  };
  const gateways = p.mesh.cluster.gateways.length;
  const sockets: WebSocket[] = [];
  try {
    p.progress.note(`fan-out: opening ${p.rooms} rooms of ${p.players} players ...`);
    // Ten rooms at a time: setting up is not measured, and a burst of 800 joins is not the point.
    const queue = Array.from({ length: p.rooms }, (_, i) => i);
    await Promise.all(
      Array.from({ length: Math.min(10, p.rooms) }, async (_, w) => {
        const client = gatewayClient(p.mesh.cluster.gatewayUrl(w % gateways), "connect");
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          // A room short of players would make fewer deliveries than counted: only full ones play.
          const members: WebSocket[] = [];
          try {
            const room = await createRoom(client, `fan-${i}-0`, p.signal, p.players);
            members.push(await joinUntilWelcome(room.serverAddress, room.roomId, room.joinToken, p.signal));
            for (let k = 1; k < p.players; k++) {
              const j = await client.joinRoom(
                { roomId: room.roomId, playerName: `fan-${i}-${k}` },
                { signal: p.signal },
              );
              members.push(await joinUntilWelcome(j.serverAddress, j.roomId, j.joinToken, p.signal));
            }
            sockets.push(...members);
          } catch (e) {
            await Promise.all(members.map((ws) => leave(ws)));
            if (p.signal.aborted) throw e;
            r.setupErrors.push(`room ${i}: ${errorText(e)}`);
          }
        }
      }),
    );
    r.rooms = sockets.length / p.players;
    if (sockets.length === 0) return r;

    for (const ws of sockets)
      ws.on("message", (data: Buffer) => {
        let f;
        try {
          f = fromBinary(ServerFrameSchema, new Uint8Array(data)).frame;
        } catch {
          r.bad++;
          return;
        }
        if (f.case !== "message") return;
        const m = decodePayload(f.value.payload);
        if (!m) r.bad++;
        else if (m.measured) {
          r.delivered++;
          r.latenciesMs.push(performance.now() - m.sentAt);
        }
      });

    const perSecond = sockets.length * p.rate;
    let measured = false;
    let cursor = 0;
    let sentInPeriod = 0;
    let periodStart = performance.now();
    const send = () => {
      // Tops the period's sends up to where the rate says they should be by now.
      const due = Math.floor(((performance.now() - periodStart) * perSecond) / 1000);
      for (; sentInPeriod < due; sentInPeriod++) {
        const ws = sockets[cursor]!;
        cursor = (cursor + 1) % sockets.length;
        if (ws.readyState !== ws.OPEN) continue;
        const frame = create(ClientFrameSchema, {
          frame: { case: "broadcast", value: { payload: encodePayload(performance.now(), measured) } },
        });
        ws.send(toBinary(ClientFrameSchema, frame));
        if (measured) r.sent++;
      }
    };
    const timer = setInterval(send, TICK_MS);
    try {
      p.progress.note(`fan-out: ${sockets.length} players sending ${perSecond}/s; warming up ${WARM_MS / 1000} s ...`);
      await sleep(WARM_MS, p.signal);
      const a = p.cpu.sample();
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const t0 = performance.now();
      measured = true;
      periodStart = t0;
      sentInPeriod = 0;
      const fanTo = p.players - 1;
      p.progress.begin(
        `fan-out ${p.rooms}x${p.players} at ${p.rate}/s`,
        Math.round(perSecond * p.seconds) * fanTo,
        () => ({
          done: r.delivered,
          errors: r.bad,
        }),
      );
      await sleep(p.seconds * 1000, p.signal);
      send();
      measured = false;
      r.cpu = { a, b: p.cpu.sample() };
      r.windowMs = performance.now() - t0;
      delay.disable();
      r.generatorDelayMs = { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
      r.expected = r.sent * fanTo;
    } finally {
      clearInterval(timer);
    }
    const t1 = performance.now();
    while (r.delivered < r.expected && performance.now() - t1 < DRAIN_MS && !p.signal.aborted)
      await sleep(50, p.signal);
    p.progress.end(r.delivered < r.expected ? `${r.expected - r.delivered} not delivered` : "");
    return r;
  } finally {
    await Promise.all(sockets.map((ws) => leave(ws)));
  }
}
