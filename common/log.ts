// One line per event on stderr; JSON when LOG_FORMAT=json so that harnesses and log shippers can
// parse it, plain text otherwise for people.
type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

function envLevel(): Level {
  const v = (process.env.LOG_LEVEL ?? "info").toLowerCase();
  return v in ORDER ? (v as Level) : "info";
}

export function createLogger(
  component: string,
  sink: (line: string) => void = (l) => process.stderr.write(l + "\n"),
): Logger {
  const min = ORDER[envLevel()];
  const json = process.env.LOG_FORMAT === "json";
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    if (json) {
      sink(JSON.stringify({ time: new Date().toISOString(), level, component, msg, ...fields }));
      return;
    }
    const extra = fields && Object.keys(fields).length > 0 ? " " + JSON.stringify(fields) : "";
    sink(`${new Date().toISOString()} ${level.padEnd(5)} [${component}] ${msg}${extra}`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (c) => createLogger(`${component}/${c}`, sink),
  };
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
