// The one reader of benchmark env options: whole numbers, seconds and lists, each with its default
// and a minimum, so a typo fails the run at start instead of measuring something else.

export class EnvOptions {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  private raw(name: string): string | undefined {
    const raw = this.env[name];
    return raw === undefined || raw.trim() === "" ? undefined : raw;
  }

  /** A whole number >= min; the fallback when unset or empty. */
  int(name: string, fallback: number, min = 1): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number >= ${min}, got '${raw}'`);
    return n;
  }

  /** A non-empty string, trimmed; undefined when unset or empty. */
  string(name: string): string | undefined {
    return this.raw(name)?.trim();
  }

  /** Whole seconds in the env, milliseconds in the program. */
  secondsAsMs(name: string, fallbackSeconds: number, min = 1): number {
    return this.int(name, fallbackSeconds, min) * 1000;
  }

  /** A comma-separated list of whole numbers >= 1. */
  intList(name: string, fallback: number[]): number[] {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const list = raw.split(",").map((s) => Number(s.trim()));
    if (list.some((n) => !Number.isInteger(n) || n < 1))
      throw new Error(`${name} must be a comma-separated list of whole numbers >= 1, got '${raw}'`);
    return list;
  }
}
