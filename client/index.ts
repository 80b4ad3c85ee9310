// The roomgate client SDK: find or create a room through the Gateway, then play over the game
// server's WebSocket, reconnecting through the Gateway when the connection drops.
//
// Runs in Node and in browsers. Both call the Gateway over fetch (gateway-call.ts: Connect or
// gRPC-Web, binary) and code every message by hand (frames.ts, gateway-messages.ts) with only
// @bufbuild/protobuf/wire, so a browser bundle holds neither protobuf-es's reflection runtime nor
// Connect's client. The WebSocket is the one platform-specific part, reached through one import,
// "#platform" (package.json "imports"): Node gets ./platform-node.ts (the `ws` package); a
// bundler that targets browsers (Vite by default, webpack and esbuild for a browser target)
// resolves the "browser" condition and gets ./platform-web.ts (the global WebSocket). No alias to
// configure. No other SDK module imports a -node file or a Node built-in. Tracing is opt-in
// (options.tracing, from the ./tracing entry), so a game that does not trace bundles none of it.

export { RoomgateClient } from "./client.js";
export type * from "./requests.js";
export type { MeasureRegionsOptions, RegionEndpoint, RegionLatency } from "./regions.js";
export { Room } from "./room.js";
export type { ConnectionState, RoomEvents, SetStateOptions, StateValue } from "./room-types.js";
export { RoomRefusedError, RoomServerError } from "./errors.js";
export { GatewayError, type GatewayErrorDetail } from "./gateway-error.js";
export type { ClientTracing, TraceHeaders } from "./trace-hook.js";
export type { InputOf, MessageOf, ViewOf } from "./logic-types.js";
export type {
  GatewayProtocol,
  ReconnectOptions,
  RegionOptions,
  RoomgateClientOptions,
  TokenSource,
} from "./options.js";
export type { Player, Welcome } from "./gen/roomgate/v1/room_pb.js";
export { ErrorCode } from "./gen/roomgate/v1/room_pb.js";
export type { Room as RoomInfo } from "./gen/roomgate/v1/common_pb.js";
export { RoomState, RoomVisibility } from "./gen/roomgate/v1/common_pb.js";
