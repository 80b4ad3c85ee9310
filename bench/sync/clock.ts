// Milliseconds on CLOCK_MONOTONIC (process.hrtime): one clock for every process on the host, so a
// time taken in a game server and one taken in the load process can be subtracted. Performance.now
// would not do: each process counts it from its own start.
export function monotonicMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}
