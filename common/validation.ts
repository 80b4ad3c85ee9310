import * as grpc from "@grpc/grpc-js";
import { create, createRegistry, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { createValidator, type Violation } from "@bufbuild/protovalidate";
import { file_roomgate_v1_rules } from "../gen/roomgate/v1/rules_pb.js";
import { boundedMemo } from "./bounded-memo.js";

// Request rules live in the .proto files as (buf.validate.field) options; protovalidate reads them
// from the generated descriptors. Both edges (the Gateway's Connect service and the Manager's
// gRPC service) check every request against them before any handler sees it. Rules that several
// fields share are predefined once in rules.proto; the validator knows them through its registry.

// Bounded like protovalidate's own cache, should a rule ever build a pattern from input.
const compiled = boundedMemo(256, (pattern) => new RegExp(pattern, "u"));

/**
 * The patterns in our .proto files are ours, not input, and are plain character classes with
 * anchors, which the platform's RegExp matches exactly as RE2 does (validation.test.ts holds every
 * one of them to RE2): protovalidate's RE2 engine, written in JS, made one request's rules cost
 * ~100 µs. Compiled once per pattern.
 */
export function nativeMatch(pattern: string, against: string): boolean {
  return compiled(pattern).test(against);
}

const validator = createValidator({ registry: createRegistry(file_roomgate_v1_rules), regexMatch: nativeMatch });

/** The rules a message breaks, or an empty list. Rules that do not compile are a bug: it throws. */
export function violationsOf<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Violation[] {
  const result = validator.validate(schema, message);
  if (result.kind === "valid") return [];
  if (result.kind === "invalid") return result.error.violations;
  throw result.error;
}

/**
 * The rules one field of `schema` breaks when it holds the value in `init`: how configuration
 * parsing reuses a .proto rule (say, the labels a game server registers with) instead of
 * restating it. Only that field's violations count; the rest of the message is left at defaults.
 */
export function fieldViolations<Desc extends DescMessage>(
  schema: Desc,
  init: MessageInitShape<Desc>,
  field: string,
): Violation[] {
  return violationsOf(schema, create(schema, init)).filter((v) => {
    const first = v.field[0];
    return first?.kind === "field" && first.name === field;
  });
}

/** "field: what is wrong [rule id]" for each violation, joined with "; ". */
export function describeViolations(violations: Violation[]): string {
  return violations.map((v) => v.toString()).join("; ");
}

/**
 * Per method (by its local name), messages no rule can apply to: none of the fields they set, nor
 * their message or oneofs, carries one, so protovalidate would pass them and is not asked. Only
 * for a stream's frequent messages, each such predicate held to the descriptors by a test.
 */
export type RuleFree = Record<string, (message: unknown) => boolean>;

/**
 * A grpc-js server interceptor that checks every message a client sends to `service` (the one
 * request of a unary call, each message of a stream) and ends the call with INVALID_ARGUMENT and
 * the violations when one breaks its rules.
 */
export function grpcValidationInterceptor(
  service: GenService<GenServiceMethods>,
  ruleFree: RuleFree = {},
): grpc.ServerInterceptor {
  const inputs = new Map(
    service.methods.map((m) => [`/${service.typeName}/${m.name}`, { schema: m.input, free: ruleFree[m.localName] }]),
  );
  return (method, call) => {
    const input = inputs.get(method.path);
    if (!input) return new grpc.ServerInterceptingCall(call);
    const { schema, free } = input;
    let failed = false;
    const intercepting: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMessage: (message, nextMessage) => {
            if (failed) return;
            if (free?.(message)) return nextMessage(message);
            let violations: Violation[];
            try {
              violations = violationsOf(schema, message);
            } catch (e) {
              // Thrown inside a grpc-js listener it would end the process: this call fails instead.
              failed = true;
              intercepting.sendStatus({ code: grpc.status.INTERNAL, details: `could not check the request: ${e}` });
              return;
            }
            if (violations.length === 0) return nextMessage(message);
            failed = true;
            intercepting.sendStatus({ code: grpc.status.INVALID_ARGUMENT, details: describeViolations(violations) });
          },
        }),
    });
    return intercepting;
  };
}
