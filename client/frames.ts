import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type {
  ClientFrame,
  Player,
  ServerFrame,
  StateEntry,
  Welcome,
  PlayerJoined,
  PlayerLeft,
  StateChanged,
  Message,
  Error as ErrorFrame,
  Pong,
} from "./gen/roomgate/v1/room_pb.js";
import {
  type Fields,
  readFields,
  readMessage,
  readString,
  writeBool,
  writeBytes,
  writeMessage,
  writeString,
  writeUint32,
} from "./wire-fields.js";

// The room's WebSocket frames (proto/roomgate/v1/room.proto), written and read by hand: the
// ClientFrames the SDK sends and the ServerFrames it receives, byte for byte as protobuf-es has
// them (client/codecs.test.ts), without its reflection runtime.

type Case<F> = F extends { case: infer C extends string; value: infer V }
  ? { case: C; value: V extends Uint8Array ? V : Fields<V> }
  : never;

/** One case of ClientFrame.frame, without the message wrappers' type names. */
export type ClientFrameInit = Case<ClientFrame["frame"]>;

export function encodeClientFrame(frame: ClientFrameInit): Uint8Array {
  const w = new BinaryWriter();
  switch (frame.case) {
    case "broadcast":
      writeMessage(w, 1, () => writeBytes(w, 1, frame.value.payload));
      break;
    case "sendTo":
      writeMessage(w, 2, () => {
        writeString(w, 1, frame.value.playerId);
        writeBytes(w, 2, frame.value.payload);
      });
      break;
    case "ping":
      writeMessage(w, 3, () => writeUint32(w, 1, frame.value.nonce));
      break;
    case "setState":
      writeMessage(w, 4, () => {
        writeString(w, 1, frame.value.key);
        writeBytes(w, 2, frame.value.value);
        writeBool(w, 3, frame.value.owned);
      });
      break;
    case "input":
      // A set oneof case is written even when empty.
      w.tag(5, WireType.LengthDelimited).bytes(frame.value);
      break;
    default:
      throw new TypeError(`unknown client frame case ${String((frame as { case: unknown }).case)}`);
  }
  return w.finish();
}

/** A frame whose fields the SDK does not know (a newer server's) decodes without them. */
export function decodeServerFrame(data: Uint8Array): ServerFrame {
  const r = new BinaryReader(data);
  const f: ServerFrame = { $typeName: "roomgate.v1.ServerFrame", frame: { case: undefined } };
  return readFields(r, data.byteLength, f, (r, f, no) => {
    // A message case that repeats merges into the one before, as protobuf does; another case replaces it.
    switch (no) {
      case 1:
        f.frame = { case: "welcome", value: readWelcome(r, f.frame.case === "welcome" ? f.frame.value : welcome()) };
        return true;
      case 2: {
        const m = f.frame.case === "playerJoined" ? f.frame.value : message<PlayerJoined>("PlayerJoined", {});
        f.frame = { case: "playerJoined", value: readMessage(r, m, readPlayerJoined) };
        return true;
      }
      case 3: {
        const m = f.frame.case === "playerLeft" ? f.frame.value : message<PlayerLeft>("PlayerLeft", { playerId: "" });
        f.frame = { case: "playerLeft", value: readMessage(r, m, readPlayerLeft) };
        return true;
      }
      case 4: {
        const m =
          f.frame.case === "message"
            ? f.frame.value
            : message<Message>("Message", { fromPlayerId: "", payload: new Uint8Array(0) });
        f.frame = { case: "message", value: readMessage(r, m, readRelayed) };
        return true;
      }
      case 5: {
        const m = f.frame.case === "error" ? f.frame.value : message<ErrorFrame>("Error", { code: 0, message: "" });
        f.frame = { case: "error", value: readMessage(r, m, readError) };
        return true;
      }
      case 6: {
        const m = f.frame.case === "pong" ? f.frame.value : message<Pong>("Pong", { nonce: 0 });
        f.frame = { case: "pong", value: readMessage(r, m, readPong) };
        return true;
      }
      case 7: {
        const m =
          f.frame.case === "stateChanged" ? f.frame.value : message<StateChanged>("StateChanged", { fromPlayerId: "" });
        f.frame = { case: "stateChanged", value: readMessage(r, m, readStateChanged) };
        return true;
      }
      case 8:
        f.frame = { case: "sync", value: r.bytes() };
        return true;
      default:
        return false;
    }
  });
}

function message<M extends { $typeName: string }>(name: string, fields: Fields<M>): M {
  return { $typeName: `roomgate.v1.${name}`, ...fields } as M;
}

const welcome = () =>
  message<Welcome>("Welcome", {
    roomId: "",
    playerId: "",
    serverId: "",
    players: [],
    maxPlayers: 0,
    state: [],
    restored: false,
    roomType: "",
  });

function readWelcome(r: BinaryReader, m: Welcome): Welcome {
  return readMessage(r, m, (r, m, no) => {
    switch (no) {
      case 1:
        m.roomId = readString(r);
        break;
      case 2:
        m.playerId = readString(r);
        break;
      case 3:
        m.serverId = readString(r);
        break;
      case 4:
        m.players.push(readPlayer(r));
        break;
      case 5:
        m.maxPlayers = r.uint32();
        break;
      case 6:
        m.state.push(readStateEntry(r));
        break;
      case 7:
        m.restored = r.bool();
        break;
      case 8:
        m.roomType = readString(r);
        break;
      default:
        return false;
    }
    return true;
  });
}

function readPlayer(r: BinaryReader, m = message<Player>("Player", { id: "", name: "" })): Player {
  return readMessage(r, m, (r, m, no) => {
    if (no === 1) m.id = readString(r);
    else if (no === 2) m.name = readString(r);
    else return false;
    return true;
  });
}

function readStateEntry(
  r: BinaryReader,
  m = message<StateEntry>("StateEntry", { key: "", value: new Uint8Array(0), ownerPlayerId: "" }),
): StateEntry {
  return readMessage(r, m, (r, m, no) => {
    if (no === 1) m.key = readString(r);
    else if (no === 2) m.value = r.bytes();
    else if (no === 3) m.ownerPlayerId = readString(r);
    else return false;
    return true;
  });
}

function readPlayerJoined(r: BinaryReader, m: PlayerJoined, no: number): boolean {
  if (no !== 1) return false;
  m.player = readPlayer(r, m.player);
  return true;
}

function readPlayerLeft(r: BinaryReader, m: PlayerLeft, no: number): boolean {
  if (no !== 1) return false;
  m.playerId = readString(r);
  return true;
}

function readRelayed(r: BinaryReader, m: Message, no: number): boolean {
  if (no === 1) m.fromPlayerId = readString(r);
  else if (no === 2) m.payload = r.bytes();
  else return false;
  return true;
}

function readError(r: BinaryReader, m: ErrorFrame, no: number): boolean {
  if (no === 1) m.code = r.int32();
  else if (no === 2) m.message = readString(r);
  else return false;
  return true;
}

function readPong(r: BinaryReader, m: Pong, no: number): boolean {
  if (no !== 1) return false;
  m.nonce = r.uint32();
  return true;
}

function readStateChanged(r: BinaryReader, m: StateChanged, no: number): boolean {
  if (no === 1) m.entry = readStateEntry(r, m.entry);
  else if (no === 2) m.fromPlayerId = readString(r);
  else return false;
  return true;
}
