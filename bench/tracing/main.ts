import * as grpc from "@grpc/grpc-js";
import { performance } from "node:perf_hooks";
import { openTelemetry } from "@roomgate/client/tracing";
import { extractContext, inTrace, injectContext, traced } from "../../common/tracing/spans.js";
import { connectionSpans, endUpgrade, upgradeSpan } from "../../gameserver/ws-tracing.js";

// npm run bench:tracing: what the tracing hooks cost on one CreateRoom's path with tracing off
// (no OTEL_EXPORTER_OTLP_ENDPOINT, no SDK registered), as time per CreateRoom above the same
// awaits with no hooks around them. In-process and tiny: it needs a quiet machine to mean much,
// and is an upper bound on a busy one.

const CALLS = Number(process.env.BENCH_TRACING_CALLS ?? 2_000_000);
const done = () => Promise.resolve(1);
const md = new grpc.Metadata();

/** The awaits of the path with no hook around them. */
async function bare() {
  await done();
  await done();
  await done();
}

/** Gateway interceptor, both AllocateRoom spans, the store script, upgrade, open and welcome. */
async function servers() {
  await traced("gateway", {}, done);
  await traced("to manager", {}, () => {
    injectContext((k, v) => md.set(k, v));
    return done();
  });
  extractContext((k) => md.get(k)[0] as string | undefined);
  if (inTrace()) throw new Error("tracing is on");
  const spans = connectionSpans(endUpgrade(upgradeSpan(() => "", [], "room")));
  spans.welcome(() => true);
  spans.end();
  await traced("manager", {}, done);
}

/** The SDK's part in a game that passes `tracing: openTelemetry()`: its api span (a no-op one) and the headers. */
const otel = openTelemetry();
async function sdk() {
  await otel.span("createRoom", async (headers) => {
    if (headers.traceparent) throw new Error("tracing is on");
    await bare();
  });
}

async function nsPerCall(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < CALLS / 20; i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i++) await fn();
  return ((performance.now() - t0) * 1e6) / CALLS;
}

async function main() {
  const base = await nsPerCall(bare);
  const s = await nsPerCall(servers);
  const c = await nsPerCall(sdk);
  const load = (await import("node:os")).loadavg()[0]!.toFixed(1);
  process.stdout.write(
    `tracing off, per CreateRoom (${CALLS} calls, load ${load}):\n` +
      `  servers' hooks: ${(s - base).toFixed(0)} ns\n  SDK's hooks:    ${(c - base).toFixed(0)} ns\n`,
  );
}

void main();
