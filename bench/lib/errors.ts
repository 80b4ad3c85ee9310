import { Code, ConnectError } from "@connectrpc/connect";

// Failures are counted by kind, so a run with thousands of identical errors reports one line per
// cause instead of drowning the summary.

/** A failure the benchmark itself recognised, with a short stable kind for counting. */
export class OpError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

export function errorKind(e: unknown): string {
  if (e instanceof OpError) return e.kind;
  if (e instanceof ConnectError) return `rpc ${Code[e.code] ?? e.code}`;
  const err = e as { code?: unknown; name?: unknown };
  if (typeof err?.code === "string") return err.code;
  if (typeof err?.name === "string") return err.name;
  return "unknown";
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
