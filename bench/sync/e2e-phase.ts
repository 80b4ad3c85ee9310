import type { Client } from "@connectrpc/connect";
import type { GatewayService } from "../../gen/roomgate/v1/gateway_pb.js";
import type { CpuSampler, CpuUse } from "../lib/cpu.js";
import { errorText } from "../lib/errors.js";
import { runPhase } from "../lib/phase.js";
import type { Progress } from "../lib/progress.js";
import { sleep } from "../lib/run-control.js";
import { summarize, type Summary } from "../lib/stats.js";
import { monotonicMs } from "./clock.js";
import { stampTimes } from "./e2e-follow.js";
import { SyncPlayer, type Window } from "./e2e-player.js";
import { E2E_ROOM_TYPES, type E2eMode } from "./e2e-rooms.js";
import type { E2eOptions } from "./options.js";

// One way of syncing, end to end: its rooms made through the Gateway, every player in over a
// WebSocket, a warm-up, then a measured window in which the game servers' CPU (from /proc) and
// every state frame the players receive are counted. The rooms then give their tick times, and
// the players leave, so the next mode starts on servers with no rooms.

export interface E2eResult {
  mode: E2eMode;
  roomType: string;
  rooms: number;
  players: number;
  measuredS: number;
  /** Room ticks whose change happened in the window, and those times the players in each room. */
  roomTicks: number;
  playerTicks: number;
  /** Ticks each room ran per second of the window: below tickHz when rooms fell behind. */
  ticksPerRoomPerSecond: number;
  /** Game server processes' CPU (user + system) per player per tick, in µs. */
  cpuUsPerPlayerTick: number;
  /** WebSocket payload (the ServerFrame around the sync frame) per state frame. */
  bytesPerPatch: number;
  /** The sync frame alone (protocol/sync), per state frame. */
  syncBytesPerPatch: number;
  bytesPerPlayerPerSecond: number;
  framesPerPlayerTick: number;
  /** From the room's change (end of onTick's move) to the player's copy updated, in ms. */
  tickToClientMs?: Summary;
  /** States that equalled no tick of the replayed simulation. */
  mismatches: number;
  /** Received states with no tick time from their room. */
  unstamped: number;
  cpu: CpuUse[];
  /** CPU seconds the rest of the machine used in the window. */
  othersCpuS?: number;
  joinErrors: Record<string, number>;
  problems: string[];
}

export interface E2eContext {
  o: E2eOptions;
  gateway: Client<typeof GatewayService>;
  cpu: CpuSampler;
  gameServerNames: string[];
  progress: Progress;
  signal: AbortSignal;
}

const JOIN_LIMIT_MS = 120_000;
/** Ticks either side of those received that are asked for, to count the ticks in the window. */
const STAMP_MARGIN = 40;
const LEAVE_WAIT_MS = 5_000;

export async function runMode(c: E2eContext, mode: E2eMode): Promise<{ result: E2eResult; latenciesMs: number[] }> {
  const { o, gateway, progress } = c;
  const roomType = E2E_ROOM_TYPES[mode];
  const window: Window = { from: Infinity, to: Infinity };
  const rooms: SyncPlayer[][] = [];
  const problems: string[] = [];
  let joined = 0;
  const kind = { fullState: mode === "full-state", float32: mode === "patches-f32" };
  try {
    const join = await runPhase({
      name: `${mode}: rooms in`,
      total: o.rooms,
      concurrency: o.joinConcurrency,
      limitMs: JOIN_LIMIT_MS,
      progress,
      signal: c.signal,
      op: async (i) => {
        const t0 = performance.now();
        const made = await gateway.createRoom({ roomType, maxPlayers: o.players, playerName: `r${i}p0` });
        const others = await Promise.all(
          Array.from({ length: o.players - 1 }, (_, p) =>
            gateway.joinRoom({ roomId: made.roomId, playerName: `r${i}p${p + 1}` }),
          ),
        );
        const room: SyncPlayer[] = [];
        rooms.push(room);
        for (const t of [made, ...others]) {
          room.push(await SyncPlayer.join(t.serverAddress, t.roomId, t.joinToken, o, kind, window));
          joined++;
        }
        return performance.now() - t0;
      },
    });
    if (join.errors > 0) problems.push(`${join.errors} room(s) not filled: ${join.errorSamples.join("; ")}`);
    progress.note(`${mode}: ${joined} players in ${rooms.length} rooms; warming up ${o.warmupS} s`);
    await sleep(o.warmupS * 1000, c.signal);

    const players = rooms.flat();
    const before = c.cpu.sample();
    window.from = monotonicMs();
    const t0 = performance.now();
    progress.begin(`${mode}: measuring`, o.seconds, () => ({
      done: Math.floor((performance.now() - t0) / 1000),
      errors: players.reduce((s, p) => s + p.mismatches, 0),
    }));
    await sleep(o.seconds * 1000, c.signal);
    window.to = monotonicMs();
    const cpu = c.cpu.between(before, c.cpu.sample());
    progress.end();
    if (c.signal.aborted) problems.push(`measuring cut short: ${errorText(c.signal.reason)}`);

    const { latenciesMs, roomTicks, playerTicks, unstamped } = await tickTimes(rooms, window, problems);
    const measuredS = (window.to - window.from) / 1000;
    const frames = sum(players, (p) => p.frames);
    const wire = sum(players, (p) => p.wireBytes);
    const gsCpuS = sum(
      cpu.procs.filter((p) => c.gameServerNames.includes(p.name)),
      (p) => p.seconds ?? NaN,
    );
    for (const p of players) for (const e of p.errors) if (problems.length < 10) problems.push(`player: ${e}`);
    return {
      latenciesMs,
      result: {
        mode,
        roomType,
        rooms: rooms.length,
        players: players.length,
        measuredS,
        roomTicks,
        playerTicks,
        ticksPerRoomPerSecond: roomTicks / rooms.length / measuredS,
        cpuUsPerPlayerTick: (gsCpuS * 1e6) / playerTicks,
        bytesPerPatch: wire / frames,
        syncBytesPerPatch: sum(players, (p) => p.syncBytes) / frames,
        bytesPerPlayerPerSecond: wire / (players.length * measuredS),
        framesPerPlayerTick: frames / playerTicks,
        tickToClientMs: summarize(latenciesMs),
        mismatches: sum(players, (p) => p.mismatches),
        unstamped,
        cpu: cpu.procs,
        othersCpuS: cpu.others,
        joinErrors: join.errorKinds,
        problems,
      },
    };
  } finally {
    await leaveAll(rooms.flat());
  }
}

const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((s, x) => s + f(x), 0);

/** Asks each room for its tick times, and matches them to what its players received. */
async function tickTimes(rooms: SyncPlayer[][], window: Window, problems: string[]) {
  const latenciesMs: number[] = [];
  let roomTicks = 0;
  let playerTicks = 0;
  let unstamped = 0;
  await Promise.all(
    rooms.map(async (players) => {
      const ticks = players.flatMap((p) => p.ticks);
      if (ticks.length === 0) return;
      let lo = Infinity;
      let hi = -Infinity;
      for (const t of ticks) {
        lo = Math.min(lo, t);
        hi = Math.max(hi, t);
      }
      const from = Math.max(0, lo - STAMP_MARGIN);
      let times: Float64Array;
      try {
        times = stampTimes(await players[0]!.stamps(from, hi + STAMP_MARGIN));
      } catch (e) {
        if (problems.length < 10) problems.push(`tick times: ${errorText(e)}`);
        return;
      }
      const inWindow = times.filter((ms) => ms >= window.from && ms < window.to).length;
      roomTicks += inWindow;
      playerTicks += inWindow * players.length;
      for (const p of players) {
        for (let i = 0; i < p.ticks.length; i++) {
          const stamp = times[p.ticks[i]! - from] ?? 0;
          if (stamp > 0) latenciesMs.push(p.receivedAt[i]! - stamp);
          else unstamped++;
        }
      }
    }),
  );
  return { latenciesMs, roomTicks, playerTicks, unstamped };
}

/** Closes every socket and waits (bounded) until the server has seen them go: their rooms close when empty. */
async function leaveAll(players: SyncPlayer[]) {
  await Promise.all(
    players.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.ws.readyState === p.ws.CLOSED) return resolve();
          const timer = setTimeout(() => {
            p.close();
            resolve();
          }, LEAVE_WAIT_MS);
          p.ws.once("close", () => {
            clearTimeout(timer);
            resolve();
          });
          p.ws.close(1000, "bye");
        }),
    ),
  );
}
