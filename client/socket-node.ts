import WebSocket from "ws";
import { ABNORMAL_CLOSURE, type OpenSocket } from "./socket.js";

// Node: the `ws` package. It can show us a refused upgrade's status and body, which the browser
// hides, so a failed reconnect says why ("503 server is shutting down") instead of just "1006".

const MAX_REFUSAL_BODY = 512;

export const openSocket: OpenSocket = (url, handlers, protocols, traceparent) => {
  const ws = new WebSocket(url, protocols ?? [], {
    perMessageDeflate: false,
    headers: traceparent ? { traceparent } : undefined,
  });
  ws.binaryType = "nodebuffer";
  let failure: Error | undefined;

  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (!isBinary) {
      failure ??= new Error("server sent a text frame; the room protocol is binary");
      ws.close(1000, "binary frames only");
      return;
    }
    handlers.message(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  });
  ws.on("unexpected-response", (_req, res) => {
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      if (body.length < MAX_REFUSAL_BODY) body += chunk;
    });
    res.on("end", () => {
      failure ??= Object.assign(
        new Error(`upgrade refused: ${res.statusCode} ${body.slice(0, MAX_REFUSAL_BODY)}`.trim()),
        { status: res.statusCode },
      );
      ws.terminate();
    });
    res.on("error", () => ws.terminate());
  });
  // ws emits "error" before "close" for connection failures; the close event carries it on.
  ws.on("error", (e) => {
    failure ??= e;
  });
  ws.once("close", (code, reason) => handlers.close(code || ABNORMAL_CLOSURE, reason.toString(), failure));

  return {
    send: (data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary: true });
    },
    // Before the upgrade completes ws aborts the handshake instead, which is what we want.
    close: (code, reason) => ws.close(code, reason),
  };
};
