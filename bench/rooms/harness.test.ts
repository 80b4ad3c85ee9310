import { checkEnv, helpSettings, thisCheckout } from "../lib/checkout.js";
import { EnvOptions } from "../lib/options.js";
import { Progress } from "../lib/progress.js";
import { targetDistance } from "./charts.js";
import { decodePayload, encodePayload, PAYLOAD_BYTES } from "./fanout.js";
import { compare, type Figures, figures } from "./figures.js";
import { readOptions } from "./options.js";
import { ratios, type TargetRecord } from "./record.js";
import { roundFigures, runOrder } from "./rounds.js";
import { runTarget } from "./target-run.js";

// The benchmark's pieces, cheaply: options, reading a checkout's settings, the fan-out payload,
// issue 14's verdicts, and one tiny run of every phase against a real mesh of this build. Nothing
// here asserts a time or a rate: only that each phase did all it was asked and counted it right.

const env = (vars: Record<string, string>) => new EnvOptions(vars);

describe("bench options", () => {
  test("--quick shrinks every phase; env vars still override; anything else is refused", () => {
    const full = readOptions([], env({}));
    const quick = readOptions(["--quick"], env({ BENCH_ROOMS: "77", BENCH_BASELINE_DIR: " /x " }));
    expect(quick.quick).toBe(true);
    expect(quick.rooms).toBe(77);
    expect(quick.baselineDir).toBe("/x");
    expect(full.baselineDir).toBeUndefined();
    for (const k of ["sequential", "joins", "cleanup", "fanoutRooms", "redisRooms", "budgetMs"] as const)
      expect(quick[k]).toBeLessThan(full[k]);
    expect(full).toMatchObject({ concurrency: 50, fanoutRooms: 100, fanoutPlayers: 8, fanoutRate: 10 });
    expect(full).toMatchObject({ redisRooms: 100_000, reportServers: 1000, gateways: 1, gameServers: 2 });
    expect(readOptions([], env({ BENCH_QUICK: "1" })).quick).toBe(true);
    expect([full.rounds, quick.rounds, readOptions([], env({ BENCH_ROUNDS: "3" })).rounds]).toEqual([2, 1, 3]);
    expect(() => readOptions([], env({ BENCH_ROUNDS: "0" }))).toThrow(/BENCH_ROUNDS/);
    expect(() => readOptions(["--fast"], env({}))).toThrow(/unknown argument/);
    expect(() => readOptions([], env({ BENCH_FANOUT_PLAYERS: "1" }))).toThrow(/BENCH_FANOUT_PLAYERS/);
  });
});

describe("a checkout's settings", () => {
  test("--help lines give the env names", () => {
    const help =
      "Options:\n  --redis-url                  REDIS_URL\n      Redis for rooms (default: x)\n  --x-y   X_Y\n";
    expect([...helpSettings(help)]).toEqual(["REDIS_URL", "X_Y"]);
  });

  test("this build: required settings known, unknown ones reported, a missing required one refused", () => {
    const c = thisCheckout();
    expect(c.label).toBe("new");
    expect(c.settings.gateway.has("RATE_LIMIT_CREATE_PER_S")).toBe(true);
    expect(c.settings.gameserver.has("GAMESERVER_CAPACITY")).toBe(true);
    expect(checkEnv(c, "gateway", { JOIN_TOKEN_TTL_MS: "1", NOT_A_SETTING: "1" }, ["JOIN_TOKEN_TTL_MS"])).toEqual([
      "NOT_A_SETTING",
    ]);
    expect(() => checkEnv(c, "manager", {}, ["NOT_A_SETTING"])).toThrow(/does not know NOT_A_SETTING/);
  });
});

test("fan-out payload: send time and window flag round-trip; other sizes are refused", () => {
  expect(decodePayload(encodePayload(1234.5625, true))).toEqual({ sentAt: 1234.5625, measured: true });
  expect(decodePayload(encodePayload(0.25, false))).toEqual({ sentAt: 0.25, measured: false });
  expect(encodePayload(1, true).byteLength).toBe(PAYLOAD_BYTES);
  expect(decodePayload(new Uint8Array(3))).toBeUndefined();
});

describe("issue 14's verdicts", () => {
  const base: Figures = {
    roomsPerSecond: 500,
    serverCpuMsPerRoom: 2,
    createP50Ms: 3,
    fanoutP99Ms: 10,
    fanoutDeliveryPercent: 100,
    cleanupP99Ms: 5,
  };
  const fresh: Figures = {
    roomsPerSecond: 800,
    serverCpuMsPerRoom: 0.6,
    createP50Ms: 1.5,
    fanoutP99Ms: 10,
    fanoutDeliveryPercent: 99.9,
    cleanupP99Ms: 1.5,
    redisBytesPerRoom: 820,
  };
  const rows = Object.fromEntries(compare(fresh, base).map((c) => [c.key, c]));

  test("ratio targets judge new / baseline, absolute ones the new value", () => {
    expect(rows.roomsPerSecond).toMatchObject({ ratio: 1.6, met: true });
    expect(rows.serverCpuMsPerRoom!.met).toBe(true);
    expect(rows.createP50Ms).toMatchObject({ ratio: 0.5, met: false });
    expect(rows.fanoutP99Ms!.met).toBe(true);
    expect(rows.fanoutDeliveryPercent!.met).toBe(false);
    expect(rows.cleanupP99Ms!.met).toBe(true);
    expect(rows.redisBytesPerRoom).toMatchObject({ baseline: undefined, ratio: undefined, met: false });
    expect(rows.joinsPerSecond).toMatchObject({ met: undefined, target: undefined });
  });

  test("without a baseline, ratio targets cannot be told", () => {
    const alone = Object.fromEntries(compare(fresh, undefined).map((c) => [c.key, c]));
    expect(alone.roomsPerSecond!.met).toBeUndefined();
    expect(alone.cleanupP99Ms!.met).toBe(true);
  });

  test("distance to target: below 1 meets it, above misses it by that factor", () => {
    expect(targetDistance(rows.createP50Ms!)).toBeCloseTo(1.5);
    expect(targetDistance(rows.roomsPerSecond!)).toBeCloseTo(1.5 / 1.6);
    expect(targetDistance(rows.redisBytesPerRoom!)).toBeCloseTo(820 / 400);
    expect(targetDistance(rows.joinsPerSecond!)).toBeUndefined();
  });
});

describe("rounds", () => {
  const fresh = thisCheckout();
  const base = { ...fresh, label: "baseline" };

  test("with a baseline the order alternates, so a drift in the machine weighs on both alike", () => {
    const order = runOrder(fresh, base, 4).map((o) => `${o.checkout.label}${o.round}`);
    expect(order).toEqual(["baseline1", "new1", "new2", "baseline2", "baseline3", "new3", "new4", "baseline4"]);
    expect(runOrder(fresh, undefined, 2).map((o) => o.round)).toEqual([1, 2]);
  });

  test("each figure is the median of the rounds that measured it", () => {
    const rec = (round: number, rate: number, cleanupMs?: number[]): TargetRecord => ({
      label: "new",
      round,
      root: "/x",
      startedAt: "",
      phases: {
        createJoin: { ok: 10, errors: 0, rate, elapsedMs: 1000, latenciesMs: [1], concurrency: 1 } as never,
        ...(cleanupMs && { cleanup: { ok: 1, errors: 0, rate: 1, elapsedMs: 1, latenciesMs: cleanupMs } as never }),
      },
      cpu: {},
      leftovers: {},
      skipped: [],
      problems: [],
    });
    expect(roundFigures([rec(1, 100), rec(2, 300)])?.roomsPerSecond).toBe(200);
    expect(roundFigures([rec(1, 100), rec(2, 900), rec(3, 300)])?.roomsPerSecond).toBe(300);
    const f = roundFigures([rec(1, 100, [4]), rec(2, 300)]);
    expect(f?.cleanupP99Ms).toBe(4);
    expect(roundFigures([])).toBeUndefined();
  });
});

test("the clean-up's p99 is also given in units of the same run's Redis pair p99", () => {
  const phase = (latenciesMs: number[]) => ({ ok: 1, errors: 0, rate: 1, elapsedMs: 1, latenciesMs }) as never;
  const r = {
    phases: { redisSequential: phase([0.5]), cleanup: phase([3]), cleanupNotified: phase([1]) },
  } as unknown as TargetRecord;
  expect(ratios(r)).toMatchObject({ cleanupP99OverRedisP99: 6, cleanupNotifiedP99OverRedisP99: 2 });
  expect(ratios({ phases: { cleanup: phase([3]) } } as unknown as TargetRecord).cleanupP99OverRedisP99).toBeNaN();
});

test("server CPU per room splits into the processes' own code and the kernel, Redis and the client left out", () => {
  const use = (name: string, seconds: number, kernelSeconds?: number) => ({ name, pid: 1, seconds, kernelSeconds });
  const createJoin = { ok: 1000, errors: 0, rate: 1, elapsedMs: 1, latenciesMs: [] };
  const r = (cpu: ReturnType<typeof use>[]) =>
    ({ phases: { createJoin }, cpu: { createJoin: cpu } }) as unknown as TargetRecord;
  const f = figures(
    r([use("gateway-0", 0.3, 0.1), use("gs-0", 0.2, 0.15), use("redis", 1, 0.5), use("bench client", 2, 1)]),
  );
  expect(f.serverCpuMsPerRoom).toBeCloseTo(0.5, 9);
  expect(f.serverKernelCpuMsPerRoom).toBeCloseTo(0.25, 9);
  expect(f.serverUserCpuMsPerRoom).toBeCloseTo(0.25, 9);
  // A record without the kernel's part (an older run's) has no split, and still its whole.
  const old = figures(r([use("gateway-0", 0.3), use("gs-0", 0.2, 0.1)]));
  expect(old.serverCpuMsPerRoom).toBeCloseTo(0.5, 9);
  expect(old.serverKernelCpuMsPerRoom).toBeUndefined();
  expect(old.serverUserCpuMsPerRoom).toBeUndefined();
});

test("every phase once, tiny, against a real mesh of this build", async () => {
  const o = {
    ...readOptions(["--quick"], env({})),
    sequential: 5,
    rooms: 10,
    concurrency: 3,
    joins: 6,
    cleanup: 3,
    warmup: 2,
    fanoutRooms: 2,
    fanoutPlayers: 3,
    fanoutSeconds: 1,
    // Enough rooms (about 100 kB) that Redis's own churn of a few kB cannot turn the figure negative.
    redisRooms: 400,
    reportServers: 5,
    reportSeconds: 1,
  };
  const quiet = new Progress({ write: () => true } as unknown as NodeJS.WriteStream, false);
  const t = await runTarget(thisCheckout(), o, quiet, new AbortController().signal);
  expect(t.manager?.error).toBeUndefined();
  expect(t.error).toBeUndefined();
  expect(t.skipped).toEqual([]);
  for (const [k, n] of [
    ["createSequential", 5],
    ["cleanup", 3],
    ["cleanupNotified", 3],
    ["createJoin", 10],
    ["joins", 6],
  ] as const)
    expect({ k, ok: t.phases[k]?.ok, errors: t.phases[k]?.errors }).toEqual({ k, ok: n, errors: 0 });
  const f = t.fanout!;
  expect(f.setupErrors).toEqual([]);
  expect(f.rooms).toBe(2);
  expect(f.sent).toBeGreaterThan(0);
  // Each broadcast reaches the room's other two players, and nobody else.
  expect(f.expected).toBe(2 * f.sent);
  expect(f.delivered).toBe(f.expected);
  expect(f.bad).toBe(0);
  expect(t.manager?.memory?.rooms).toBe(o.redisRooms);
  expect(t.manager?.problems).toEqual([]);
  const fig = figures(t);
  expect(fig.redisBytesPerRoom).toBeGreaterThan(0);
  expect(fig.serverCpuMsPerRoom).toBeGreaterThan(0);
  // The kernel's part is read beside the whole (ten rooms may cost it no clock tick at all).
  expect(fig.serverKernelCpuMsPerRoom).toBeGreaterThanOrEqual(0);
  expect(fig.serverKernelCpuMsPerRoom).toBeLessThanOrEqual(fig.serverCpuMsPerRoom!);
  expect(fig.serverUserCpuMsPerRoom! + fig.serverKernelCpuMsPerRoom!).toBeCloseTo(fig.serverCpuMsPerRoom!, 9);
  expect(fig.loadReportsCorePercent).toBeGreaterThanOrEqual(0);
  for (const l of Object.values(t.leftovers)) expect(l?.drained).toBe(true);
}, 120_000);
