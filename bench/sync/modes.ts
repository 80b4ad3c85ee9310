import { applyServerFrame, createStateReplica, encodeValue, FRAME } from "@roomgate/client/sync";
import { RoomRuntime } from "../../rooms/room-runtime.js";
import { type Arena, arenaRoom, moveSome } from "./arena.js";
import type { SyncOptions } from "./options.js";

// One measured run per way of syncing: roomgate's patches (float64 and float32 precision), and
// the whole state encoded and sent every tick, in the same process one after the other.

export interface ModeResult {
  mode: string;
  /** Server CPU (user + system, this process) per player per tick, in µs. */
  cpuUsPerPlayerTick: number;
  /** The rooms' own counters (RoomStats.cpuMs: time inside hooks, diff, encoding, delivery; wall clock, so a loaded machine inflates it). */
  roomCpuUsPerPlayerTick?: number;
  bytesPerPatch: number;
  bytesPerPlayerPerSecond: number;
  framesPerPlayerTick: number;
  /** What the state costs a joining player (full frame). */
  fullStateBytes: number;
  wallMsPerSimulatedSecond: number;
}

interface Counter {
  frames: number;
  bytes: number;
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Runs `ticks` ticks of every room, measuring CPU and wall time. */
function measured(ticks: number, hz: number, step: (tick: number) => void) {
  const c0 = cpuUs();
  const w0 = performance.now();
  for (let t = 0; t < ticks; t++) step(t);
  return { cpuUs: cpuUs() - c0, wallMs: performance.now() - w0, simulatedS: ticks / hz };
}

export function runPatches(o: SyncOptions, precision: "float64" | "float32"): ModeResult {
  const def = arenaRoom(o, precision);
  const counter: Counter = { frames: 0, bytes: 0 };
  let check: ((id: string, frame: Uint8Array) => void) | undefined;
  const rooms = Array.from({ length: o.rooms }, (_, r) =>
    RoomRuntime.create(def, {
      roomId: `r${r}`,
      maxPlayers: o.players,
      transport: {
        send(id, frame) {
          if (frame[0] === FRAME.patch) {
            counter.frames++;
            counter.bytes += frame.byteLength;
          }
          check?.(id, frame);
        },
        closed() {},
      },
    }),
  );
  // Warm-up, with every player of the first room applying its frames: the copies must match.
  const replicas = new Map<string, ReturnType<typeof createStateReplica<Arena>>>();
  check = (id, frame) => {
    if (!id.startsWith("r0/")) return;
    if (!replicas.has(id)) replicas.set(id, createStateReplica<Arena>());
    applyServerFrame(replicas.get(id)!, frame);
  };
  for (const [r, room] of rooms.entries()) {
    for (let p = 0; p < o.players; p++) room.join({ id: `r${r}/p${p}`, name: `p${p}` });
  }
  let now = 0;
  const period = 1000 / o.tickHz;
  for (let t = 0; t < o.warmupTicks; t++) {
    now += period;
    for (const room of rooms) room.advance(now);
  }
  const round = precision === "float32" ? Math.fround : (v: number) => v;
  const expected = rooms[0]!.state as unknown as Arena;
  for (const [id, rep] of replicas) {
    for (const [k, e] of Object.entries(expected.entities)) {
      const got = rep.state?.entities[k];
      if (got?.x !== round(e.x) || got?.y !== round(e.y))
        throw new Error(`${id}'s copy of ${k} differs from the server's`);
    }
  }
  check = undefined;
  counter.frames = 0;
  counter.bytes = 0;
  const cpuBefore = rooms.reduce((s, r) => s + r.stats.cpuMs, 0);
  const m = measured(o.ticks, o.tickHz, () => {
    now += period;
    for (const room of rooms) room.advance(now);
  });
  const roomCpuMs = rooms.reduce((s, r) => s + r.stats.cpuMs, 0) - cpuBefore;
  const playerTicks = o.rooms * o.players * o.ticks;
  return {
    mode: `patches (${precision})`,
    cpuUsPerPlayerTick: m.cpuUs / playerTicks,
    roomCpuUsPerPlayerTick: (roomCpuMs * 1000) / playerTicks,
    bytesPerPatch: counter.bytes / Math.max(1, counter.frames),
    bytesPerPlayerPerSecond: counter.bytes / (o.rooms * o.players * m.simulatedS),
    framesPerPlayerTick: counter.frames / playerTicks,
    fullStateBytes: fullFrameBytes(def, o),
    wallMsPerSimulatedSecond: m.wallMs / m.simulatedS,
  };
}

function fullFrameBytes(def: ReturnType<typeof arenaRoom>, o: SyncOptions): number {
  let bytes = 0;
  const room = RoomRuntime.create(def, {
    roomId: "probe",
    maxPlayers: o.players,
    transport: { send: (_id, f) => void (bytes = f.byteLength), closed() {} },
  });
  room.join({ id: "probe", name: "probe" });
  return bytes;
}

/** The baseline: the same simulation, the whole state encoded once per room and sent to every player each tick. */
export function runFullState(o: SyncOptions): ModeResult {
  const def = arenaRoom(o, "float64");
  const states = Array.from({ length: o.rooms }, () =>
    def.initialState!({ roomId: "", maxPlayers: o.players, metadata: {} }),
  );
  const sinks = Array.from({ length: o.rooms * o.players }, () => ({ frames: 0, bytes: 0 }));
  const tick = (t: number) => {
    for (let r = 0; r < o.rooms; r++) {
      const state = states[r]!;
      moveSome(state, o, t + 1);
      const frame = encodeValue(state);
      for (let p = 0; p < o.players; p++) {
        const sink = sinks[r * o.players + p]!;
        sink.frames++;
        sink.bytes += frame.byteLength + 1; // and a frame-type byte
      }
    }
  };
  for (let t = 0; t < o.warmupTicks; t++) tick(t);
  for (const s of sinks) s.frames = s.bytes = 0;
  const m = measured(o.ticks, o.tickHz, (t) => tick(o.warmupTicks + t));
  const frames = sinks.reduce((s, x) => s + x.frames, 0);
  const bytes = sinks.reduce((s, x) => s + x.bytes, 0);
  const playerTicks = o.rooms * o.players * o.ticks;
  return {
    mode: "full state every tick",
    cpuUsPerPlayerTick: m.cpuUs / playerTicks,
    bytesPerPatch: bytes / frames,
    bytesPerPlayerPerSecond: bytes / (o.rooms * o.players * m.simulatedS),
    framesPerPlayerTick: frames / playerTicks,
    fullStateBytes: encodeValue(states[0]).byteLength + 1,
    wallMsPerSimulatedSecond: m.wallMs / m.simulatedS,
  };
}
