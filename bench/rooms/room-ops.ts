import { fromBinary } from "@bufbuild/protobuf";
import WebSocket from "ws";
import { ServerFrameSchema } from "../../gen/roomgate/v1/room_pb.js";
import { roomUrl } from "../../testkit/client.js";
import { OpError } from "../lib/errors.js";

// A player's WebSocket side of a room, with every wait bounded and abortable: under load a
// missing welcome must become a counted error, never a hung worker or a leaked socket.
// (testkit's Player is built for tests and has neither handshake timeouts nor abort.)

export const OP_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 5_000;

/** Opens the room's socket and resolves once the welcome frame arrived. */
export function joinUntilWelcome(
  serverAddress: string,
  roomId: string,
  token: string,
  signal: AbortSignal,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const ws = new WebSocket(roomUrl(serverAddress, roomId, token), {
      handshakeTimeout: OP_TIMEOUT_MS,
      perMessageDeflate: false,
    });
    ws.binaryType = "nodebuffer";
    // Errors after we are done with the socket (a reset during close) must not crash the run.
    ws.on("error", () => {});
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      ws.off("message", onMessage);
      if (err === undefined) return resolve(ws);
      ws.terminate();
      reject(err);
    };
    const onAbort = () => finish(signal.reason);
    const onMessage = (data: Buffer) => {
      let frame;
      try {
        frame = fromBinary(ServerFrameSchema, new Uint8Array(data)).frame;
      } catch (e) {
        return finish(new OpError("bad frame", `undecodable server frame: ${(e as Error).message}`));
      }
      if (frame.case === "welcome") return finish();
      if (frame.case === "error") return finish(new OpError("error frame before welcome", frame.value.message));
    };
    const timer = setTimeout(
      () => finish(new OpError("welcome timeout", `no welcome within ${OP_TIMEOUT_MS} ms`)),
      OP_TIMEOUT_MS,
    );
    signal.addEventListener("abort", onAbort, { once: true });
    ws.on("message", onMessage);
    ws.once("unexpected-response", (_req, res) => {
      res.resume();
      finish(
        new OpError(
          `upgrade refused ${res.statusCode}`,
          `game server answered ${res.statusCode} ${res.statusMessage ?? ""}`,
        ),
      );
    });
    ws.once("error", (e) => finish(new OpError(`ws ${(e as NodeJS.ErrnoException).code ?? "error"}`, e.message)));
    ws.once("close", (code, reason) =>
      finish(new OpError(`closed before welcome ${code}`, reason.toString() || `close code ${code}`)),
    );
  });
}

/**
 * Leaves with a normal close so the server frees the seat (and, for the last player, the room).
 * Resolves false when the close handshake did not finish in time and the socket was cut instead.
 */
export function leave(ws: WebSocket): Promise<boolean> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve(true);
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(false);
    }, CLOSE_TIMEOUT_MS);
    ws.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
    ws.close(1000, "bye");
  });
}
