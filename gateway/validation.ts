import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { violationsToProto } from "@bufbuild/protovalidate";
import { describeViolations, violationsOf } from "../common/validation.js";

/**
 * Checks every request message against the rules in its .proto file before the handler runs:
 * `invalid_argument` with the violations as the message, and as a buf.validate.Violations detail
 * for clients that want them by field.
 */
export function validationInterceptor(): Interceptor {
  return (next) => async (req) => {
    if (!req.stream) {
      check(req.method.input, req.message);
      return next(req);
    }
    const input = req.method.input;
    const messages = req.message;
    return next({
      ...req,
      message: (async function* () {
        for await (const m of messages) {
          check(input, m);
          yield m;
        }
      })(),
    });
  };
}

function check<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>) {
  const violations = violationsOf(schema, message);
  if (violations.length === 0) return;
  const [detail, desc] = violationsToProto(violations);
  throw new ConnectError(describeViolations(violations), Code.InvalidArgument, undefined, [{ desc, value: detail }]);
}
