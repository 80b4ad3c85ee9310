import type { Logger } from "../common/log.js";

/** A logger that adds the same fields (room id and type) to every line. */
export function withFields(log: Logger, fields: Record<string, unknown>): Logger {
  return {
    debug: (m, f) => log.debug(m, { ...fields, ...f }),
    info: (m, f) => log.info(m, { ...fields, ...f }),
    warn: (m, f) => log.warn(m, { ...fields, ...f }),
    error: (m, f) => log.error(m, { ...fields, ...f }),
    child: (c) => withFields(log.child(c), fields),
  };
}
