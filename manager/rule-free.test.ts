import { create, hasOption } from "@bufbuild/protobuf";
import * as rules from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { AttachRequestSchema, LoadReportSchema } from "../gen/roomgate/v1/manager_pb.js";
import { violationsOf } from "../common/validation.js";
import { MANAGER_RULE_FREE } from "./rule-free.js";

// What the Manager passes unchecked must be what protovalidate would pass: no rule on the
// messages, oneofs or fields a rule-free report sets.

const ruleFree = MANAGER_RULE_FREE.attach!;

test("the fields of a report without room CPU carry no rules in manager.proto", () => {
  expect(hasOption(AttachRequestSchema, rules.message)).toBe(false);
  expect(AttachRequestSchema.oneofs.filter((o) => hasOption(o, rules.oneof))).toEqual([]);
  expect(hasOption(AttachRequestSchema.field.load, rules.field)).toBe(false);
  expect(hasOption(LoadReportSchema, rules.message)).toBe(false);
  const ruled = LoadReportSchema.fields.filter((f) => hasOption(f, rules.field)).map((f) => f.name);
  // Only room_cpu, which a rule-free report leaves empty.
  expect(ruled).toEqual(["room_cpu"]);
});

test("only load reports without room CPU are rule-free, and protovalidate passes them", () => {
  const load = (value: object) => create(AttachRequestSchema, { msg: { case: "load", value } });
  const extreme = load({ players: 0xffffffff, rooms: 0xffffffff, sequence: 0xffffffff });
  expect(ruleFree(extreme)).toBe(true);
  expect(violationsOf(AttachRequestSchema, extreme)).toEqual([]);
  const badCpu = load({ roomCpu: [{ roomId: "x", cpuSeconds: -1, load: Number.NaN }] });
  expect(ruleFree(badCpu)).toBe(false);
  expect(violationsOf(AttachRequestSchema, badCpu).length).toBeGreaterThan(0);
  expect(ruleFree(create(AttachRequestSchema, { msg: { case: "register", value: {} } }))).toBe(false);
  expect(ruleFree(create(AttachRequestSchema, {}))).toBe(false);
});
