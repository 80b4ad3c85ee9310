import type fc from "fast-check";

// How the fuzz tests run. `make test`: a fixed seed and a small count, so they are fast and the
// same every time. `make fuzz` (ROOMGATE_FUZZ_RUNS set): a random seed and many runs; a failure
// prints fast-check's seed and path, and ROOMGATE_FUZZ_SEED / ROOMGATE_FUZZ_PATH replay it.

const FIXED_SEED = 20261129;
const runs = Number(process.env.ROOMGATE_FUZZ_RUNS ?? 0);

/** Parameters for fc.assert: `quickRuns` in `make test`, ROOMGATE_FUZZ_RUNS under `make fuzz`. */
export function fuzzParameters(name: string, quickRuns: number): fc.Parameters<unknown> {
  const seed = process.env.ROOMGATE_FUZZ_SEED
    ? Number(process.env.ROOMGATE_FUZZ_SEED)
    : runs
      ? (Math.random() * 2 ** 31) | 0
      : FIXED_SEED;
  const numRuns = runs || quickRuns;
  if (runs) process.stderr.write(`fuzz ${name}: seed ${seed}, ${numRuns} runs\n`);
  // No shrinking: once a request has killed a process every later one fails too, so the first
  // failing case is the one worth reporting.
  return { seed, numRuns, path: process.env.ROOMGATE_FUZZ_PATH, endOnFailure: true };
}

/** A jest timeout that grows with the run count (quick runs finish well inside 20 s). */
export function fuzzTimeoutMs(quickRuns: number, msPerRun: number): number {
  return Math.max(60_000, (runs || quickRuns) * msPerRun * 3);
}
