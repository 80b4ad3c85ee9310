import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "../common/log.js";

/** One debug line per call with its outcome and duration; failures that are ours at warn. */
export function loggingInterceptor(log: Logger): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    try {
      const res = await next(req);
      log.debug("call", { method: req.method.name, ms: Math.round(performance.now() - started) });
      return res;
    } catch (e) {
      const err = ConnectError.from(e);
      const fields = {
        method: req.method.name,
        code: err.code,
        message: err.rawMessage,
        ms: Math.round(performance.now() - started),
      };
      if (err.code === Code.Internal || err.code === Code.Unavailable) log.warn("call failed", fields);
      else log.debug("call failed", fields);
      throw e;
    }
  };
}
