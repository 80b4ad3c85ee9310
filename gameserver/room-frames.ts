// What a player's frames do to its room, within the per-sender limits: relays, pings and shared
// state changes. Bad frames cost that player an error (and for some a close), never the room.
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  type ClientFrame,
  ClientFrameSchema,
  ErrorCode,
  type SetState,
  type StateEntry,
  StateEntrySchema,
} from "../gen/roomgate/v1/room_pb.js";
import { CLOSE } from "@roomgate/client/protocol/close-codes";
import type { RoomLimits } from "./limits.js";
import { countFrameRefusal } from "./metrics.js";
import { encode, entryBytes, type Player, type Room } from "./room.js";
import { broadcastPayload, encodeRelayed } from "./hot-frames.js";

/** Characters as people count them (code points), without splitting a short key at all. */
const keyChars = (key: string, max: number) => (key.length <= max ? key.length : [...key].length);

export class FrameHandler {
  constructor(
    private readonly limits: RoomLimits,
    private readonly now: () => number,
  ) {}

  /** One frame from a player of `room`. */
  handle(room: Room, player: Player, data: Uint8Array, isBinary: boolean) {
    if (!isBinary)
      return this.reject(
        player,
        ErrorCode.TEXT_FRAME,
        "frames must be binary ClientFrame messages",
        CLOSE.policyViolation,
      );
    if (data.byteLength > this.limits.maxFrameBytes) {
      return this.reject(
        player,
        ErrorCode.FRAME_TOO_LARGE,
        `frame of ${data.byteLength} bytes exceeds the ${this.limits.maxFrameBytes}-byte limit`,
        CLOSE.tooBig,
      );
    }
    if (!player.limiter.take()) {
      return this.reject(
        player,
        ErrorCode.RATE_LIMITED,
        `more than ${this.limits.maxMessagesPerSecond} frames per second; frame dropped`,
      );
    }
    // Frames fan out to the whole room: bytes, not only frames, are what a sender costs everyone.
    if (player.bytes && !player.bytes.take(data.byteLength)) {
      return this.reject(
        player,
        ErrorCode.RATE_LIMITED,
        `more than ${this.limits.maxBytesPerSecond} bytes per second; frame dropped`,
      );
    }
    // Most frames of a relay room are broadcasts: those skip building a message.
    const payload = broadcastPayload(data);
    if (payload) {
      if (room.logic) return this.notInputs(room, player, "broadcast");
      return this.broadcast(room, player, payload);
    }
    let msg: ClientFrame;
    try {
      msg = fromBinary(ClientFrameSchema, data);
    } catch (e) {
      return this.reject(
        player,
        ErrorCode.MALFORMED_FRAME,
        `not a ClientFrame: ${(e as Error).message}`,
        CLOSE.policyViolation,
      );
    }
    const c = msg.frame.case;
    // A logic room owns its state: players send it inputs, and relaying or writing state is not theirs to do.
    if (room.logic && (c === "broadcast" || c === "sendTo" || c === "setState")) return this.notInputs(room, player, c);
    switch (msg.frame.case) {
      case "input":
        return this.input(room, player, msg.frame.value);
      case "broadcast":
        return this.broadcast(room, player, msg.frame.value.payload);
      case "sendTo": {
        const to = room.players.get(msg.frame.value.playerId);
        if (!to)
          return this.reject(player, ErrorCode.UNKNOWN_PLAYER, `no player ${msg.frame.value.playerId} in this room`);
        to.conn.send(encodeRelayed(player.id, msg.frame.value.payload));
        return;
      }
      case "ping":
        player.conn.send(encode({ case: "pong", value: { nonce: msg.frame.value.nonce } }));
        return;
      case "setState":
        return this.setState(room, player, msg.frame.value);
      default:
        return this.reject(
          player,
          ErrorCode.MALFORMED_FRAME,
          "ClientFrame has no known frame set",
          CLOSE.policyViolation,
        );
    }
  }

  /** To everyone in the room but the sender. */
  private broadcast(room: Room, player: Player, payload: Uint8Array) {
    room.publish(encodeRelayed(player.id, payload), player.id);
  }

  private notInputs(room: Room, player: Player, sent: string) {
    this.reject(player, ErrorCode.WRONG_ROOM_TYPE, `a ${room.roomType} room takes inputs, not ${sent}`);
  }

  private input(room: Room, player: Player, bytes: Uint8Array) {
    if (!room.logic)
      return this.reject(player, ErrorCode.WRONG_ROOM_TYPE, "a relay room takes broadcast, send_to and set_state");
    if (room.logic.message(player.id, bytes) === "undecodable")
      return this.reject(player, ErrorCode.BAD_INPUT, "input is not one encoded value within the input limits");
  }

  private setState(room: Room, player: Player, set: SetState) {
    const { key, value } = set;
    const max = this.limits.stateMaxKeyChars;
    if (!key || keyChars(key, max) > max)
      return this.reject(player, ErrorCode.STATE_LIMIT, `state keys are 1 to ${max} characters`);
    const old = room.state.get(key);
    if (old?.ownerPlayerId && old.ownerPlayerId !== player.id) {
      return this.reject(player, ErrorCode.NOT_OWNER, `state key ${key} is owned by player ${old.ownerPlayerId}`);
    }
    const oldBytes = old ? entryBytes(old.key, old.value) : 0;
    let entry: StateEntry;
    if (value.byteLength === 0) {
      if (!old) return; // deleting what is not there changes nothing
      room.state.delete(key);
      room.stateBytes -= oldBytes;
      entry = create(StateEntrySchema, { key });
    } else {
      if (!old && room.state.size >= this.limits.stateMaxKeys) {
        return this.reject(player, ErrorCode.STATE_LIMIT, `room state holds at most ${this.limits.stateMaxKeys} keys`);
      }
      const bytes = room.stateBytes - oldBytes + entryBytes(key, value);
      if (bytes > this.limits.stateMaxBytes) {
        return this.reject(
          player,
          ErrorCode.STATE_LIMIT,
          `room state would take ${bytes} bytes; the limit is ${this.limits.stateMaxBytes}`,
        );
      }
      // A copy: the frame's bytes belong to the socket layer, which may reuse them.
      entry = create(StateEntrySchema, { key, value: value.slice(), ownerPlayerId: set.owned ? player.id : "" });
      room.state.set(key, entry);
      room.stateBytes = bytes;
    }
    room.dirty = true;
    room.publish(encode({ case: "stateChanged", value: { entry, fromPlayerId: player.id } }), player.id);
  }

  private reject(player: Player, code: ErrorCode, message: string, closeCode?: number) {
    countFrameRefusal(code);
    // One error frame a second at most, so a flood of bad frames cannot make us flood back.
    const t = this.now();
    if (closeCode !== undefined || t - player.lastErrorAt >= 1000) {
      player.lastErrorAt = t;
      player.conn.send(encode({ case: "error", value: { code, message } }));
    }
    if (closeCode !== undefined) player.conn.close(closeCode, message.slice(0, 100));
  }
}
