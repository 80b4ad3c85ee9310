import type { ServerFrame, Welcome } from "./gen/roomgate/v1/room_pb.js";
import { decodeServerFrame } from "./frames.js";
import type { Ticket } from "./wire.js";
import { RoomRefusedError } from "./errors.js";
import { CLOSE } from "./protocol/close-codes.js";
import { roomSubprotocols, roomUrl } from "./protocol/urls.js";
import type { OpenSocket, RoomSocket } from "./socket.js";

// One WebSocket to one game server, split into its two lives: before the welcome (where any end is
// a failed attempt) and after it (where an end is a dropped connection). Every callback is
// synchronous, so no frame that follows the welcome in the same network read can slip past the
// Room before it has taken the socket over.

export interface ConnectionCallbacks {
  /** The welcome arrived; return false if the connection is no longer wanted (it is then closed). */
  welcome(w: Welcome): boolean;
  /** Every later frame, and error frames sent before a welcome. */
  frame(f: ServerFrame): void;
  /** A frame that would not decode. */
  garbled(e: Error): void;
  /** The connection ended before its welcome, or got none in time. */
  failed(e: Error): void;
  /** The connection ended after its welcome. */
  dropped(code: number, reason: string, error?: Error): void;
}

export function openConnection(
  open: OpenSocket,
  ticket: Ticket,
  timeoutMs: number,
  on: ConnectionCallbacks,
): RoomSocket {
  let welcomed = false;
  let settled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fail = (e: Error) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    on.failed(e);
  };
  // The token goes as a subprotocol, never in the URL: the same on both platforms.
  const url = roomUrl(ticket.serverAddress, ticket.roomId);
  const socket = open(
    url,
    {
      message: (data) => {
        let frame: ServerFrame;
        try {
          frame = decodeServerFrame(data);
        } catch (e) {
          on.garbled(new Error(`undecodable frame from ${ticket.serverAddress}: ${(e as Error).message}`));
          return;
        }
        if (welcomed) return on.frame(frame);
        if (frame.frame.case === "error") return on.frame(frame);
        if (frame.frame.case !== "welcome" || settled) return;
        welcomed = settled = true;
        clearTimeout(timer);
        if (!on.welcome(frame.frame.value)) socket.close(CLOSE.normal, "left");
      },
      close: (code, reason, error) => {
        if (welcomed) return on.dropped(code, reason, error);
        if (code === CLOSE.refused) return fail(new RoomRefusedError(ticket.roomId, reason));
        const why = error?.message ?? `closed with ${code}${reason ? ` ${reason}` : ""}`;
        fail(
          new Error(
            `could not join room ${ticket.roomId} on ${ticket.serverAddress}: ${why}`,
            error ? { cause: error } : undefined,
          ),
        );
      },
    },
    roomSubprotocols(ticket.joinToken),
  );
  timer = setTimeout(() => {
    fail(new Error(`no welcome from ${ticket.serverAddress} within ${timeoutMs} ms`));
    // Not a leave: the server may have seated us already, and we will be back.
    socket.close(CLOSE.retrying, "no welcome");
  }, timeoutMs);
  return socket;
}
