// Readiness of the components in this process, for /readyz and the Manager's grpc.health.v1.
// Each component adds one check; the process is ready when it has checks and all of them pass.

/** undefined when ready; otherwise why not, in a few words ("store unreachable"). */
export type ReadinessCheck = () => string | undefined;

const checks = new Map<string, ReadinessCheck>();

/** Adds a named check (a component and, in `roomgate up`, which one); returns its removal. */
export function addReadinessCheck(name: string, check: ReadinessCheck): () => void {
  checks.set(name, check);
  return () => {
    if (checks.get(name) === check) checks.delete(name);
  };
}

/** Every failing check by name; empty when ready. A process with no component yet is "starting". */
export function notReady(): Record<string, string> {
  if (checks.size === 0) return { process: "starting" };
  const out: Record<string, string> = {};
  for (const [name, check] of checks) {
    const why = check();
    if (why !== undefined) out[name] = why;
  }
  return out;
}
