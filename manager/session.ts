import type { AttachRequest, AttachResponse } from "../gen/roomgate/v1/manager_pb.js";

/** One game server's open Attach stream, as the Manager core sees it (no transport types). */
export interface Session {
  send(msg: AttachResponse): void;
  /** Ends the stream from the Manager's side. */
  close(reason: string): void;
  /** The IP address the stream comes from, when the transport knows it. */
  readonly peerHost?: string;
}

/** What the transport feeds one Attach stream into. */
export interface AttachHandler {
  onMessage(msg: AttachRequest): void;
  onEnd(): void;
}
