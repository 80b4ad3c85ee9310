import type { Component } from "./component.js";
import { SETTINGS } from "./settings.js";

// Reading the settings table: flags, then the environment, then defaults; typed getters for the
// values; and the option list of `roomgate --help`.

export function flagName(env: string): string {
  return "--" + env.toLowerCase().replace(/_/g, "-");
}

export class ConfigError extends Error {}

export type Values = Record<string, string | number | undefined>;

/** Reads every setting of a component from flags, then the environment, then defaults. */
export function readSettings(component: Component, argv: string[], env: NodeJS.ProcessEnv): Values {
  const mine = SETTINGS.filter((s) => s.for.includes(component));
  const byFlag = new Map(mine.map((s) => [flagName(s.env), s]));
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const setting = byFlag.get(name);
    if (!setting) throw new ConfigError(`unknown option ${name} for '${component}' (see roomgate ${component} --help)`);
    // A yes/no flag on its own means yes; so does one followed by another option.
    const bare = eq < 0 && setting.kind === "bool" && (argv[i + 1] === undefined || argv[i + 1]!.startsWith("--"));
    const value = eq > 0 ? arg.slice(eq + 1) : bare ? "true" : argv[++i];
    if (value === undefined) throw new ConfigError(`${name} needs a value`);
    flags.set(setting.env, value);
  }
  const out: Values = {};
  for (const s of mine) {
    const raw = flags.get(s.env) ?? (env[s.env] !== undefined && env[s.env] !== "" ? env[s.env] : s.default);
    if (raw === undefined) continue;
    if (s.kind === "int") {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0)
        throw new ConfigError(`${s.env} (${flagName(s.env)}) must be a whole number >= 0, got '${raw}'`);
      out[s.env] = n;
    } else {
      out[s.env] = raw;
    }
  }
  return out;
}

export function helpText(component?: Component): string {
  const rows = SETTINGS.filter((s) => !component || s.for.includes(component));
  const lines = rows.map((s) => {
    const def = s.default !== undefined ? ` (default: ${s.default})` : "";
    return `  ${flagName(s.env).padEnd(28)} ${s.env}\n      ${s.help}${def}`;
  });
  return lines.join("\n");
}

export function int(v: Values, key: string): number {
  const n = v[key];
  if (typeof n !== "number") throw new ConfigError(`${key} is not set`);
  return n;
}

/** A yes/no setting: true/false, 1/0, yes/no, on/off. */
export function bool(v: Values, key: string): boolean {
  const s = String(v[key] ?? "false")
    .trim()
    .toLowerCase();
  if (["true", "1", "yes", "on"].includes(s)) return true;
  if (["false", "0", "no", "off", ""].includes(s)) return false;
  throw new ConfigError(`${key} (${flagName(key)}) must be true or false, got '${v[key]}'`);
}

export function str(v: Values, key: string): string | undefined {
  const s = v[key];
  return s === undefined ? undefined : String(s);
}
