import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { AttachResponseSchema } from "../gen/roomgate/v1/manager_pb.js";
import { encodeReportAnswer } from "./report-answer.js";

const answer = (sequence: number, storeDown: boolean) =>
  create(AttachResponseSchema, { msg: { case: "reportAnswer", value: { sequence, storeDown } } });

test("a report answer's bytes are protobuf-es's, for every size of sequence", () => {
  const sequences = [0, 1, 127, 128, 300, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455, 268_435_456, 0xffffffff];
  for (const sequence of sequences)
    for (const storeDown of [false, true]) {
      const msg = answer(sequence, storeDown);
      const bytes = encodeReportAnswer(msg);
      expect([sequence, storeDown, bytes]).toEqual([sequence, storeDown, toBinary(AttachResponseSchema, msg)]);
      expect(fromBinary(AttachResponseSchema, bytes!).msg).toEqual(msg.msg);
    }
});

test("any other message is left to the general encoder", () => {
  expect(encodeReportAnswer(create(AttachResponseSchema, { msg: { case: "drain", value: {} } }))).toBeUndefined();
  expect(encodeReportAnswer(create(AttachResponseSchema, {}))).toBeUndefined();
});
