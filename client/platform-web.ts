// Browser twin of platform-node.ts (what "#platform" means under the "browser" condition): same
// exports, no Node built-ins.
export { openSocket } from "./socket-web.js";
