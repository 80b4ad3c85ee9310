import type { AttachResponse } from "../gen/roomgate/v1/manager_pb.js";

// A Manager answers every load report of every server (docs/protocol.md, Fencing): the one
// message it sends most. Its wire form is a few bytes, written here without protobuf-es's
// general encoder (report-answer.test.ts holds it byte for byte to toBinary); every other
// message of the stream is encoded as before.

/** AttachResponse.report_answer: field 5, length-delimited. */
const REPORT_ANSWER_TAG = (5 << 3) | 2;
/** ReportAnswer.sequence: field 1, varint. */
const SEQUENCE_TAG = (1 << 3) | 0;
/** ReportAnswer.store_down: field 2, varint. */
const STORE_DOWN_TAG = (2 << 3) | 0;

/** The message's bytes when it is a report answer; undefined for any other message. */
export function encodeReportAnswer(msg: AttachResponse): Uint8Array | undefined {
  if (msg.msg.case !== "reportAnswer") return undefined;
  const { sequence, storeDown } = msg.msg.value;
  // uint32: at most five bytes of varint. proto3 leaves fields at their defaults out.
  const out = new Uint8Array(2 + 6 + 2);
  let n = 2;
  if (sequence !== 0) {
    out[n++] = SEQUENCE_TAG;
    let v = sequence >>> 0;
    while (v > 0x7f) {
      out[n++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[n++] = v;
  }
  if (storeDown) {
    out[n++] = STORE_DOWN_TAG;
    out[n++] = 1;
  }
  out[0] = REPORT_ANSWER_TAG;
  out[1] = n - 2;
  return out.subarray(0, n);
}
