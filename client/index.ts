// The roomgate client SDK: find or create a room through the Gateway, then play over the game
// server's WebSocket, reconnecting through the Gateway when the connection drops.
//
// Runs in Node and in browsers. Everything platform-specific is reached through one import,
// "#platform" (package.json "imports"): Node gets ./platform-node.ts (@connectrpc/connect-node,
// the `ws` package); a bundler that targets browsers (Vite by default, webpack and esbuild for a
// browser target) resolves the "browser" condition and gets ./platform-web.ts (connect-web over
// fetch, the global WebSocket) as TypeScript source. No alias to configure.
// No other SDK module imports a -node file or a Node built-in. Outside client/ the SDK uses only
// gen/ and protocol/.

export { RoomgateClient } from "./client.js";
export type * from "./requests.js";
export type { MeasureRegionsOptions, RegionEndpoint, RegionLatency } from "./regions.js";
export { Room } from "./room.js";
export type { ConnectionState, RoomEvents, SetStateOptions, StateValue } from "./room-types.js";
export { RoomRefusedError, RoomServerError } from "./errors.js";
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
