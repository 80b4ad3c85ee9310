// The only module that pulls in Node-only code. Browser builds alias this file to
// platform-web.ts (see index.ts); nothing else in the SDK imports a -node or -web file.
export { createGatewayTransport } from "./transport-node.js";
export { openSocket } from "./socket-node.js";
