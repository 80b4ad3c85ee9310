import { setMaxListeners } from "node:events";
import { errorKind, errorText } from "./errors.js";
import type { Progress } from "./progress.js";

// One measured phase: `total` operations shared by `concurrency` workers, each operation timing
// itself (so work it does afterwards, like leaving a room, is not in its latency). A phase never
// outlives its limit: at the limit it stops starting operations, aborts those in flight, and
// reports whatever finished.

/** What every phase of a run shares. */
export interface PhaseContext {
  limitMs: number;
  progress: Progress;
  /** Aborts the phase from outside (SIGINT, a spent time budget). */
  signal?: AbortSignal;
}

export interface PhaseSpec extends PhaseContext {
  name: string;
  total: number;
  concurrency: number;
  /** Runs operation `i` on worker `worker` and resolves with its latency in ms. */
  op: (i: number, worker: number, signal: AbortSignal) => Promise<number>;
}

export interface PhaseResult {
  name: string;
  total: number;
  concurrency: number;
  started: number;
  ok: number;
  errors: number;
  /** Cut short by the time limit or an outside abort; not counted as errors. */
  aborted: number;
  /** Still running after the grace period; the phase was reported without them. */
  abandoned: number;
  timedOut: boolean;
  elapsedMs: number;
  /** Successful operations per second of wall time. */
  rate: number;
  latenciesMs: number[];
  /** Successful operations finished in each second of the phase: shows ramp-up and stalls. */
  perSecond: number[];
  errorKinds: Record<string, number>;
  errorSamples: string[];
}

/** Operations watch the abort signal, so they settle quickly; this is only a backstop. */
const GRACE_MS = 5000;
const MAX_SAMPLES = 5;

export async function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  const ac = new AbortController();
  // Every operation in flight listens to this signal; hundreds of listeners are expected here.
  setMaxListeners(0, ac.signal);
  let timedOut = false;
  const limit = setTimeout(() => {
    timedOut = true;
    ac.abort(new Error(`${spec.name}: time limit of ${spec.limitMs} ms reached`));
  }, spec.limitMs);
  const fromOutside = () => ac.abort(spec.signal?.reason);
  if (spec.signal?.aborted) fromOutside();
  spec.signal?.addEventListener("abort", fromOutside, { once: true });

  const r: PhaseResult = {
    name: spec.name,
    total: spec.total,
    concurrency: spec.concurrency,
    started: 0,
    ok: 0,
    errors: 0,
    aborted: 0,
    abandoned: 0,
    timedOut: false,
    elapsedMs: 0,
    rate: 0,
    latenciesMs: [],
    perSecond: [],
    errorKinds: {},
    errorSamples: [],
  };
  let next = 0;
  const t0 = performance.now();
  const worker = async (w: number) => {
    while (!ac.signal.aborted) {
      const i = next++;
      if (i >= spec.total) return;
      r.started++;
      try {
        r.latenciesMs.push(await spec.op(i, w, ac.signal));
        r.ok++;
        const second = Math.floor((performance.now() - t0) / 1000);
        r.perSecond[second] = (r.perSecond[second] ?? 0) + 1;
      } catch (e) {
        if (ac.signal.aborted) {
          r.aborted++;
          continue;
        }
        r.errors++;
        const kind = errorKind(e);
        r.errorKinds[kind] = (r.errorKinds[kind] ?? 0) + 1;
        if (r.errorSamples.length < MAX_SAMPLES) r.errorSamples.push(`${kind}: ${errorText(e)}`);
      }
    }
  };

  spec.progress.begin(spec.name, spec.total, () => ({ done: r.ok + r.errors, errors: r.errors }));
  const workers = Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.total) }, (_, w) => worker(w)));
  let graceTimer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    const arm = () => (graceTimer = setTimeout(resolve, GRACE_MS));
    if (ac.signal.aborted) arm();
    else ac.signal.addEventListener("abort", arm, { once: true });
  });
  try {
    await Promise.race([workers, grace]);
  } finally {
    clearTimeout(limit);
    clearTimeout(graceTimer);
    spec.signal?.removeEventListener("abort", fromOutside);
  }
  r.elapsedMs = performance.now() - t0;
  r.timedOut = timedOut;
  r.abandoned = r.started - r.ok - r.errors - r.aborted;
  r.rate = r.elapsedMs > 0 ? (r.ok * 1000) / r.elapsedMs : 0;
  // Anything still running must stop touching the system once the phase is over.
  ac.abort(new Error(`${spec.name}: phase over`));
  const cut = timedOut ? `time limit hit: ${r.aborted} aborted, ${r.abandoned} abandoned` : "";
  spec.progress.end(cut);
  // A copy: an abandoned operation that settles later must not change a reported result.
  return {
    ...r,
    latenciesMs: r.latenciesMs.slice(),
    perSecond: Array.from(r.perSecond, (n) => n ?? 0),
    errorKinds: { ...r.errorKinds },
    errorSamples: r.errorSamples.slice(),
  };
}
