import { Counter } from "prom-client";
import { registry } from "./registry.js";

// Refusals by component and reason, shared by the Gateway and the game server (both may run in one
// process). A game server refuses per frame, so a flood of bad frames must cost an increment of a
// plain number, not a labelled counter lookup: the tallies are copied into the counter at scrape.

export const REFUSAL_REASONS = {
  /** Per-client limits: the Gateway's RPC rate limits, a game server's frames or bytes per second. */
  gateway: ["rate_limit", "validation", "token"],
  /** token: a WebSocket upgrade without a valid join token; admission: room full, gone or draining; state: a state limit or another's key. */
  gameserver: ["rate_limit", "validation", "token", "admission", "state"],
} as const;

type Reason<C extends keyof typeof REFUSAL_REASONS> = (typeof REFUSAL_REASONS)[C][number];

export const refusals: { [C in keyof typeof REFUSAL_REASONS]: Record<Reason<C>, number> } = {
  gateway: { rate_limit: 0, validation: 0, token: 0 },
  gameserver: { rate_limit: 0, validation: 0, token: 0, admission: 0, state: 0 },
};

/** Components whose refusals this process exports (only those it runs). */
const exported = new Set<keyof typeof REFUSAL_REASONS>();

export function exportRefusals(component: keyof typeof REFUSAL_REASONS) {
  exported.add(component);
}

new Counter({
  name: "roomgate_refusals_total",
  help: "Requests and frames refused, by component and reason (rate_limit, validation, token; on game servers also admission and state).",
  labelNames: ["component", "reason"] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const component of exported) {
      const tally = refusals[component] as Record<string, number>;
      for (const reason of REFUSAL_REASONS[component]) this.inc({ component, reason }, tally[reason] ?? 0);
    }
  },
});
