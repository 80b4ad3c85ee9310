import type { AttachRequest } from "../gen/roomgate/v1/manager_pb.js";
import type { RuleFree } from "../common/validation.js";

// The Manager's most frequent message is a load report from each of its servers every interval;
// protovalidate cost it more than decoding one. A report without room CPU entries sets only
// fields that carry no rule in manager.proto (rule-free.test.ts holds that to the descriptors, so
// a rule added there fails the test rather than going unchecked): it is passed as protovalidate
// would pass it. Reports with room CPU entries, and every other message, are checked as before.

function ruleFreeAttach(message: unknown): boolean {
  const msg = (message as AttachRequest).msg;
  return msg.case === "load" && msg.value.roomCpu.length === 0;
}

export const MANAGER_RULE_FREE: RuleFree = { attach: ruleFreeAttach };
