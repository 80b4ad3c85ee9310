// The roomgate client SDK: find or create a room through the Gateway, then play over the game
// server's WebSocket, reconnecting through the Gateway when the connection drops.
//
// Runs in Node and in browsers. Everything platform-specific is reached through one module,
// ./platform.ts, which re-exports the Node pieces (@connectrpc/connect-node, the `ws` package).
// For a browser bundle, alias that module to ./platform-web.ts (connect-web over fetch, the
// global WebSocket), for example:
//   webpack:  new webpack.NormalModuleReplacementPlugin(/^\.\/platform\.js$/, (r) => {
//               if (/[\\/]client$/.test(r.context)) r.request = "./platform-web.js";
//             })
//   Vite / Rollup: resolve.alias (or @rollup/plugin-alias) entry
//             { find: /^\.\/platform\.js$/, replacement: "./platform-web.js" }
//             (it matches the specifier only, so keep it to builds where no other
//             dependency imports a "./platform.js" of its own)
//   esbuild:  a plugin whose onResolve({ filter: /^\.\/platform\.js$/ }) returns the
//             platform-web file for importers inside client/.
// Nothing else needs swapping: no other SDK module imports a -node file or a Node built-in.

export { RoomgateClient } from "./client.js";
export type { CreateRoomOptions, JoinOrCreateOptions, JoinRoomOptions, ListRoomsOptions, PlacementOptions, RoomPage } from "./requests.js";
export type { MeasureRegionsOptions, RegionEndpoint, RegionLatency } from "./regions.js";
export { Room, type ConnectionState, type RoomEvents, type SetStateOptions, type StateValue } from "./room.js";
export { RoomServerError } from "./errors.js";
export type { GatewayProtocol, ReconnectOptions, RegionOptions, RoomgateClientOptions } from "./options.js";
export type { Player, Welcome } from "../gen/roomgate/v1/room_pb.js";
export { ErrorCode } from "../gen/roomgate/v1/room_pb.js";
export type { Room as RoomInfo } from "../gen/roomgate/v1/common_pb.js";
export { RoomState, RoomVisibility } from "../gen/roomgate/v1/common_pb.js";
