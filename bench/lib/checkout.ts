import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { BUILT_CLI } from "../../testkit/cluster.js";

// A built roomgate checkout the benchmarks can start: this one, or another one (an older commit
// built in a worktree) measured in the same run for a ratio. Checkouts differ in their settings,
// so each one's `--help` says which environment variables it reads: a setting the benchmark relies
// on that a checkout does not know fails the run at start, and settings it passes that a checkout
// ignores are reported rather than assumed to have done something.

export type Component = "manager" | "gateway" | "gameserver";

export interface Checkout {
  /** "new" for this checkout, "baseline" for BENCH_BASELINE_DIR. */
  label: string;
  root: string;
  cli: string;
  commit: string | undefined;
  /** Environment variables each component reads, from its --help. */
  settings: Record<Component, Set<string>>;
}

const COMPONENTS: Component[] = ["manager", "gateway", "gameserver"];

/** The env names in a `roomgate <component> --help` text (lines like `  --redis-url   REDIS_URL`). */
export function helpSettings(help: string): Set<string> {
  const out = new Set<string>();
  for (const m of help.matchAll(/^\s+--[a-z0-9-]+\s+([A-Z][A-Z0-9_]+)\s*$/gm)) out.add(m[1]!);
  return out;
}

function run(cmd: string, args: string[], cwd: string): string | undefined {
  try {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
  } catch (e) {
    // --help may exit non-zero on some versions; its text is still what we want.
    const out = (e as { stdout?: string }).stdout;
    return typeof out === "string" && out.length > 0 ? out : undefined;
  }
}

/** Reads a built checkout: its CLI, commit and settings; throws with what is missing. */
export function loadCheckout(label: string, root: string): Checkout {
  const cli = root === resolve(BUILT_CLI, "..", "..", "..") ? BUILT_CLI : resolve(root, "dist", "cli", "roomgate.js");
  if (!existsSync(cli))
    throw new Error(`${label} checkout ${root}: no ${cli}; build it first (npm ci && make build in ${root})`);
  const settings = {} as Record<Component, Set<string>>;
  for (const c of COMPONENTS) {
    const help = run(process.execPath, [cli, c, "--help"], root) ?? "";
    settings[c] = helpSettings(help);
    if (settings[c].size === 0)
      throw new Error(`${label} checkout ${root}: \`roomgate ${c} --help\` listed no settings`);
  }
  return { label, root, cli, commit: run("git", ["rev-parse", "--short", "HEAD"], root)?.trim(), settings };
}

/** This checkout's own build. */
export function thisCheckout(): Checkout {
  return loadCheckout("new", resolve(BUILT_CLI, "..", "..", ".."));
}

/**
 * Checks a component's environment against what the checkout reads: throws when a required
 * setting is unknown to it, returns the names it will ignore (for the report).
 */
export function checkEnv(
  c: Checkout,
  component: Component,
  env: Record<string, string>,
  required: readonly string[],
): string[] {
  const known = c.settings[component];
  const missing = required.filter((k) => !known.has(k));
  if (missing.length > 0)
    throw new Error(
      `${c.label} checkout (${c.commit ?? c.root}): \`roomgate ${component}\` does not know ${missing.join(", ")}, which the benchmark needs`,
    );
  return Object.keys(env)
    .filter((k) => !known.has(k))
    .sort();
}
