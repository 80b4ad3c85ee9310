// Browser twin of platform.ts: same exports, no Node built-ins.
export { createGatewayTransport } from "./transport-web.js";
export { openSocket } from "./socket-web.js";
