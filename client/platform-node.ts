// The SDK's Node platform, and the only module that pulls in Node-only code. The SDK reaches it as
// "#platform" (package.json "imports"); under the "browser" condition that is platform-web.ts.
export { openSocket } from "./socket-node.js";
