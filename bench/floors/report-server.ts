import * as grpc from "@grpc/grpc-js";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";

// The floor under a Manager's load reports: a bare server that answers each report on a
// long-lived bidirectional stream with a few bytes, as a Manager answers a report (its lease),
// and does nothing else. `grpc-js`: the library the Manager serves Attach with, with no
// (de)serializer; `http2`: Node's own HTTP/2 with gRPC's five-byte framing by hand, what any
// gRPC server on Node sits on. Run as a child of reports.ts, which talks over IPC and reads this
// process's CPU from /proc. argv: grpc-js | http2.

const kind = process.argv[2];
const ANSWER = Uint8Array.from([0x2a, 2, 8, 1]);
const FRAMED_ANSWER = Uint8Array.from([0, 0, 0, 0, ANSWER.length, ...ANSWER]);
let reports = 0;

process.on("message", (m: { count?: true; stop?: true }) => {
  if (m.count) process.send?.({ reports });
  if (m.stop) process.exit(0);
});

if (kind === "grpc-js") {
  const server = new grpc.Server();
  const raw = (b: Buffer) => b;
  server.addService(
    {
      attach: {
        path: "/floor.v1.Floor/Attach",
        requestStream: true,
        responseStream: true,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
        originalName: "attach",
      },
    },
    {
      attach: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        call.on("data", () => {
          reports++;
          call.write(Buffer.from(ANSWER));
        });
        call.on("end", () => call.end());
        call.on("error", () => {});
      },
    },
  );
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, port) => {
    if (e) throw e;
    process.send?.({ port });
  });
} else if (kind === "http2") {
  const server = http2.createServer();
  server.on("stream", (stream) => {
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.on("error", () => {});
    let pending: Buffer | undefined;
    stream.on("data", (chunk: Buffer) => {
      let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      while (buf.length >= 5 && buf.length >= 5 + buf.readUInt32BE(1)) {
        buf = buf.subarray(5 + buf.readUInt32BE(1));
        reports++;
        stream.write(FRAMED_ANSWER);
      }
      pending = buf.length > 0 ? buf : undefined;
    });
    stream.on("end", () => stream.end());
  });
  server.listen(0, "127.0.0.1", () => process.send?.({ port: (server.address() as AddressInfo).port }));
} else {
  throw new Error(`floor server: unknown kind '${kind}' (grpc-js or http2)`);
}
