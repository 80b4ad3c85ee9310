import { TRACE_SUBPROTOCOL_PREFIX } from "./protocol/urls.js";
import { ABNORMAL_CLOSURE, type OpenSocket } from "./socket.js";

// Browsers: the global WebSocket. Its error event carries no detail (by design, so pages cannot
// probe networks), so a failed connection is reported by URL and close code only.

/** The part of the DOM WebSocket we use; declared here so this file compiles without the DOM lib. */
interface BrowserWebSocket {
  binaryType: "blob" | "arraybuffer";
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "error", listener: () => void): void;
  addEventListener(type: "message", listener: (e: { data: unknown }) => void): void;
  addEventListener(type: "close", listener: (e: { code: number; reason: string }) => void): void;
}

const OPEN = 1;

export const openSocket: OpenSocket = (url, handlers, protocols, traceparent) => {
  const Ctor = (globalThis as unknown as { WebSocket?: new (url: string, protocols?: string[]) => BrowserWebSocket })
    .WebSocket;
  if (!Ctor) throw new Error("no global WebSocket in this environment; use the Node build of the roomgate client");
  // The join token rides in the subprotocols, not the URL, so it stays out of logs and history.
  // Nor can it set a traceparent header: that rides in the subprotocols too (the server never echoes it).
  const ws = new Ctor(url, traceparent ? [...(protocols ?? []), TRACE_SUBPROTOCOL_PREFIX + traceparent] : protocols);
  ws.binaryType = "arraybuffer";
  let opened = false;
  let failure: Error | undefined;

  ws.addEventListener("open", () => {
    opened = true;
  });
  ws.addEventListener("message", (e) => {
    // binaryType is arraybuffer, so anything but a string is one; no instanceof, which fails
    // across realms (iframes, test sandboxes).
    if (typeof e.data !== "string") return handlers.message(new Uint8Array(e.data as ArrayBuffer));
    failure ??= new Error("server sent a text frame; the room protocol is binary");
    // Scripts may only close with 1000 or 3000-4999.
    ws.close(1000, "binary frames only");
  });
  ws.addEventListener("error", () => {
    failure ??= new Error(opened ? "WebSocket error" : `could not connect to ${url.replace(/\?.*$/, "")}`);
  });
  ws.addEventListener("close", (e) => handlers.close(e.code || ABNORMAL_CLOSURE, e.reason, failure));

  return {
    send: (data) => {
      if (ws.readyState === OPEN) ws.send(data);
    },
    close: (code, reason) => ws.close(code, reason),
  };
};
