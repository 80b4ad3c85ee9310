import { connectProtocol } from "./call-connect.js";
import { grpcWebProtocol } from "./call-grpc-web.js";
import { type CallOptions, gatewayCaller } from "./gateway-call.js";
import type {
  CreateRoomResponse,
  GetRoomResponse,
  JoinOrCreateResponse,
  JoinRoomResponse,
  ListRegionsResponse,
  ListRoomsResponse,
} from "./gen/roomgate/v1/gateway_pb.js";
import {
  type CreateRoomRequestInit,
  decodeCreateRoomResponse,
  decodeGetRoomResponse,
  decodeJoinOrCreateResponse,
  decodeJoinRoomResponse,
  decodeListRegionsResponse,
  decodeListRoomsResponse,
  encodeCreateRoomRequest,
  encodeGetRoomRequest,
  encodeJoinOrCreateRequest,
  encodeJoinRoomRequest,
  encodeListRegionsRequest,
  encodeListRoomsRequest,
  type GetRoomRequestInit,
  type JoinOrCreateRequestInit,
  type JoinRoomRequestInit,
  type ListRoomsRequestInit,
} from "./gateway-messages.js";
import type { GatewayProtocol, TokenSource } from "./options.js";

export type { CallOptions } from "./gateway-call.js";

/** The Gateway's unary methods the SDK calls (roomgate.v1.GatewayService), as a Connect client has them. */
export interface Gateway {
  createRoom(req: CreateRoomRequestInit, o?: CallOptions): Promise<CreateRoomResponse>;
  joinRoom(req: JoinRoomRequestInit, o?: CallOptions): Promise<JoinRoomResponse>;
  joinOrCreate(req: JoinOrCreateRequestInit, o?: CallOptions): Promise<JoinOrCreateResponse>;
  listRooms(req: ListRoomsRequestInit, o?: CallOptions): Promise<ListRoomsResponse>;
  listRegions(req: Record<string, never>, o?: CallOptions): Promise<ListRegionsResponse>;
  getRoom(req: GetRoomRequestInit, o?: CallOptions): Promise<GetRoomResponse>;
}

/** `token`, when given, goes as `Authorization: Bearer` on every call (a function is asked each time). */
export function createGateway(baseUrl: string, protocol: GatewayProtocol, token?: TokenSource): Gateway {
  const call = gatewayCaller(baseUrl, protocol === "grpc-web" ? grpcWebProtocol : connectProtocol, token);
  return {
    createRoom: (req, o) => call("CreateRoom", () => encodeCreateRoomRequest(req), decodeCreateRoomResponse, o),
    joinRoom: (req, o) => call("JoinRoom", () => encodeJoinRoomRequest(req), decodeJoinRoomResponse, o),
    joinOrCreate: (req, o) => call("JoinOrCreate", () => encodeJoinOrCreateRequest(req), decodeJoinOrCreateResponse, o),
    listRooms: (req, o) => call("ListRooms", () => encodeListRoomsRequest(req), decodeListRoomsResponse, o),
    listRegions: (_req, o) => call("ListRegions", encodeListRegionsRequest, decodeListRegionsResponse, o),
    getRoom: (req, o) => call("GetRoom", () => encodeGetRoomRequest(req), decodeGetRoomResponse, o),
  };
}
