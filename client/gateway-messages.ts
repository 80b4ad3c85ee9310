import type { MessageInitShape } from "@bufbuild/protobuf";
import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { RegionLatencySchema, Room } from "./gen/roomgate/v1/common_pb.js";
import type {
  CreateRoomRequestSchema,
  CreateRoomResponse,
  GetRoomRequestSchema,
  GetRoomResponse,
  JoinOrCreateRequestSchema,
  JoinOrCreateResponse,
  JoinRoomRequestSchema,
  JoinRoomResponse,
  ListRegionsResponse,
  ListRoomsRequestSchema,
  ListRoomsResponse,
  RegionEndpoint,
} from "./gen/roomgate/v1/gateway_pb.js";
import {
  readFields,
  readMessage,
  readString,
  readStringMapEntry,
  writeBool,
  writeEnum,
  writeMessage,
  writeString,
  writeStringMap,
  writeUint32,
} from "./wire-fields.js";

// The Gateway's messages the SDK sends and reads (proto/roomgate/v1/gateway.proto), written and
// read by hand, byte for byte as protobuf-es has them (client/codecs.test.ts). Requests take
// protobuf-es's init shapes (every field optional), responses come out as its message types.

export type CreateRoomRequestInit = MessageInitShape<typeof CreateRoomRequestSchema>;
export type JoinRoomRequestInit = MessageInitShape<typeof JoinRoomRequestSchema>;
export type JoinOrCreateRequestInit = MessageInitShape<typeof JoinOrCreateRequestSchema>;
export type ListRoomsRequestInit = MessageInitShape<typeof ListRoomsRequestSchema>;
export type GetRoomRequestInit = MessageInitShape<typeof GetRoomRequestSchema>;
type RegionLatencyInit = MessageInitShape<typeof RegionLatencySchema>;

function encode(write: (w: BinaryWriter) => void): Uint8Array<ArrayBuffer> {
  const w = new BinaryWriter();
  write(w);
  return w.finish();
}

function writeLatencies(w: BinaryWriter, no: number, latencies: readonly RegionLatencyInit[] | undefined) {
  for (const l of latencies ?? []) {
    writeMessage(w, no, () => {
      writeString(w, 1, l.region);
      writeUint32(w, 2, l.rttMs);
    });
  }
}

export const encodeCreateRoomRequest = (m: CreateRoomRequestInit) =>
  encode((w) => {
    writeString(w, 1, m.region);
    writeUint32(w, 2, m.maxPlayers);
    writeString(w, 3, m.requestId);
    writeString(w, 4, m.playerName);
    writeLatencies(w, 5, m.latencies);
    writeStringMap(w, 6, m.labels);
    writeEnum(w, 7, m.visibility);
    writeString(w, 8, m.mode);
    writeStringMap(w, 9, m.metadata);
    writeString(w, 10, m.roomType);
  });

export const encodeJoinRoomRequest = (m: JoinRoomRequestInit) =>
  encode((w) => {
    writeString(w, 1, m.roomId);
    writeString(w, 2, m.playerName);
    writeString(w, 3, m.rejoinToken);
  });

export const encodeJoinOrCreateRequest = (m: JoinOrCreateRequestInit) =>
  encode((w) => {
    writeString(w, 1, m.mode);
    writeString(w, 2, m.region);
    writeLatencies(w, 3, m.latencies);
    writeUint32(w, 4, m.maxPlayers);
    writeStringMap(w, 5, m.labels);
    writeString(w, 6, m.playerName);
    writeStringMap(w, 7, m.metadata);
    writeString(w, 8, m.roomType);
  });

export const encodeListRoomsRequest = (m: ListRoomsRequestInit) =>
  encode((w) => {
    writeString(w, 1, m.mode);
    writeString(w, 2, m.region);
    writeBool(w, 3, m.includeFull);
    writeUint32(w, 4, m.pageSize);
    writeString(w, 5, m.pageToken);
  });

export const encodeListRegionsRequest = () => new Uint8Array(0);

export const encodeGetRoomRequest = (m: GetRoomRequestInit) => encode((w) => writeString(w, 1, m.roomId));

/** CreateRoom, JoinRoom and JoinOrCreate answer alike (JoinOrCreate adds `created`). */
type TicketResponse = CreateRoomResponse | JoinRoomResponse | JoinOrCreateResponse;

function decodeTicket<T extends TicketResponse>(typeName: T["$typeName"], extra: Partial<T>) {
  return (bytes: Uint8Array): T => {
    const m = {
      $typeName: typeName,
      roomId: "",
      serverAddress: "",
      joinToken: "",
      playerId: "",
      serverId: "",
      region: "",
      ...extra,
    } as T;
    return readFields(new BinaryReader(bytes), bytes.byteLength, m, (r, m, no) => {
      switch (no) {
        case 1:
          m.roomId = readString(r);
          break;
        case 2:
          m.serverAddress = readString(r);
          break;
        case 3:
          m.joinToken = readString(r);
          break;
        case 4:
          m.playerId = readString(r);
          break;
        case 5:
          m.serverId = readString(r);
          break;
        case 6:
          m.region = readString(r);
          break;
        case 7:
          m.joinTokenExpireTime = readTimestamp(r, m.joinTokenExpireTime);
          break;
        case 8:
          if (m.$typeName !== "roomgate.v1.JoinOrCreateResponse") return false;
          m.created = r.bool();
          break;
        default:
          return false;
      }
      return true;
    });
  };
}

export const decodeCreateRoomResponse = decodeTicket<CreateRoomResponse>("roomgate.v1.CreateRoomResponse", {});
export const decodeJoinRoomResponse = decodeTicket<JoinRoomResponse>("roomgate.v1.JoinRoomResponse", {});
export const decodeJoinOrCreateResponse = decodeTicket<JoinOrCreateResponse>("roomgate.v1.JoinOrCreateResponse", {
  created: false,
});

export function decodeListRoomsResponse(bytes: Uint8Array): ListRoomsResponse {
  const m: ListRoomsResponse = { $typeName: "roomgate.v1.ListRoomsResponse", rooms: [], nextPageToken: "" };
  return readFields(new BinaryReader(bytes), bytes.byteLength, m, (r, m, no) => {
    if (no === 1) m.rooms.push(readRoom(r));
    else if (no === 2) m.nextPageToken = readString(r);
    else return false;
    return true;
  });
}

export function decodeListRegionsResponse(bytes: Uint8Array): ListRegionsResponse {
  const m: ListRegionsResponse = { $typeName: "roomgate.v1.ListRegionsResponse", regions: [], region: "" };
  return readFields(new BinaryReader(bytes), bytes.byteLength, m, (r, m, no) => {
    if (no === 1) m.regions.push(readRegionEndpoint(r));
    else if (no === 2) m.region = readString(r);
    else return false;
    return true;
  });
}

export function decodeGetRoomResponse(bytes: Uint8Array): GetRoomResponse {
  const m: GetRoomResponse = { $typeName: "roomgate.v1.GetRoomResponse" };
  return readFields(new BinaryReader(bytes), bytes.byteLength, m, (r, m, no) => {
    if (no !== 1) return false;
    m.room = readRoom(r, m.room);
    return true;
  });
}

function readRegionEndpoint(r: BinaryReader): RegionEndpoint {
  const m: RegionEndpoint = { $typeName: "roomgate.v1.RegionEndpoint", region: "", url: "" };
  return readMessage(r, m, (r, m, no) => {
    if (no === 1) m.region = readString(r);
    else if (no === 2) m.url = readString(r);
    else return false;
    return true;
  });
}

function readTimestamp(r: BinaryReader, into?: Timestamp): Timestamp {
  const m: Timestamp = into ?? { $typeName: "google.protobuf.Timestamp", seconds: 0n, nanos: 0 };
  return readMessage(r, m, (r, m, no) => {
    // int64 reads as a bigint wherever BigInt exists, which ES2022 guarantees.
    if (no === 1) m.seconds = r.int64() as bigint;
    else if (no === 2) m.nanos = r.int32();
    else return false;
    return true;
  });
}

function emptyRoom(): Room {
  return {
    $typeName: "roomgate.v1.Room",
    roomId: "",
    serverId: "",
    serverAddress: "",
    region: "",
    maxPlayers: 0,
    playerCount: 0,
    creatorPlayerId: "",
    state: 0,
    migrations: 0,
    visibility: 0,
    mode: "",
    metadata: {},
    labels: {},
    freeSeats: 0,
    zone: "",
    cpuSeconds: 0,
    cpuLoad: 0,
  };
}

function readRoom(r: BinaryReader, into?: Room): Room {
  return readMessage(r, into ?? emptyRoom(), (r, m, no) => {
    switch (no) {
      case 1:
        m.roomId = readString(r);
        break;
      case 2:
        m.serverId = readString(r);
        break;
      case 3:
        m.serverAddress = readString(r);
        break;
      case 4:
        m.region = readString(r);
        break;
      case 5:
        m.maxPlayers = r.uint32();
        break;
      case 6:
        m.playerCount = r.uint32();
        break;
      case 7:
        m.createTime = readTimestamp(r, m.createTime);
        break;
      case 8:
        m.creatorPlayerId = readString(r);
        break;
      case 9:
        m.state = r.int32();
        break;
      case 10:
        m.migrations = r.uint32();
        break;
      case 11:
        m.visibility = r.int32();
        break;
      case 12:
        m.mode = readString(r);
        break;
      case 13:
        readStringMapEntry(r, m.metadata);
        break;
      case 14:
        readStringMapEntry(r, m.labels);
        break;
      case 15:
        m.freeSeats = r.uint32();
        break;
      case 16:
        m.zone = readString(r);
        break;
      case 17:
        m.cpuSeconds = r.double();
        break;
      case 18:
        m.cpuLoad = r.float();
        break;
      default:
        return false;
    }
    return true;
  });
}
