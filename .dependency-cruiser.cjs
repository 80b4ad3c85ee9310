// Import boundaries, checked by `make boundaries` (dependency-cruiser): which folder may import which.
// Groups are defined by path patterns, so files added later fall into a group without editing this.

// Tests and the helpers only tests (and the bench/chaos tools) use.
const TEST = "^(test|testkit)/|\\.test\\.ts$";
// The shipped code: SDK, servers, CLI and the web pages' sources.
const PRODUCT = "^(client|common|gateway|manager|gameserver|cli|rooms|web/src)/";
// Edges: files that speak a transport or wire a process together. Everything else in a server
// folder is a core. An edge is named for its job, so a new one needs no change here:
// server.ts, service.ts (RPC handlers), routes.ts, listener.ts, main.ts, *-server.ts, and all of cli/.
const EDGE = "^cli/|^[^/]+/(server|service|routes|listener|main|[a-z-]+-server)\\.ts$";
const CORE = "^(common|gateway|manager|gameserver)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "sdk-leaves-its-package",
      comment:
        "The SDK (client/, package @roomgate/client) ships to browsers and games on its own: it imports only itself (its generated code is in client/gen) and packages.",
      severity: "error",
      from: { path: "^client/", pathNot: TEST },
      to: { path: "^[^/]+/", pathNot: "^(client|node_modules)/" },
    },
    {
      name: "protocol-stands-alone",
      comment:
        "client/protocol/ is the wire both the SDK and the servers speak (@roomgate/client/protocol/*, /sync): it imports only itself and packages.",
      severity: "error",
      from: { path: "^client/protocol/", pathNot: TEST },
      to: { path: "^[^/]+/", pathNot: "^(client/protocol|node_modules)/" },
    },
    {
      name: "servers-share-only-protocol",
      comment: "The servers take the wire protocol from the SDK's package and nothing else of the SDK.",
      severity: "error",
      from: { path: "^(common|gateway|manager|gameserver|cli|rooms)/", pathNot: TEST },
      to: { path: "^client/", pathNot: "^client/protocol/" },
    },
    {
      name: "rooms-network-free",
      comment:
        "Room logic (rooms/, roomgate/server and roomgate/testing) runs without a network or a server: the game server hosts it, never the reverse.",
      severity: "error",
      from: { path: "^rooms/" },
      to: { path: "^(gateway|manager|gameserver|cli|testkit)/" },
    },
    {
      name: "sdk-holds-only-sdk",
      comment:
        "Every non-test file in client/ is reachable from an SDK entry (index.ts; platform-web.ts for browsers; tracing.ts, the opt-in ./tracing): test helpers live in testkit/.",
      severity: "error",
      from: { path: "^client/(index|platform-web|tracing)\\.ts$" },
      to: { path: "^client/", pathNot: [TEST, "^client/(index|platform-web|tracing)\\.ts$"], reachable: false },
    },
    {
      name: "product-imports-tests",
      comment: "Shipped code never imports tests, testkit/ or test/harness (common/ and client/ included).",
      severity: "error",
      from: { path: PRODUCT, pathNot: TEST },
      to: { path: TEST },
    },
    {
      name: "imports-a-test-file",
      comment: "A *.test.ts file is run by jest, never imported: shared set-up belongs in testkit/.",
      severity: "error",
      from: {},
      to: { path: "\\.test\\.ts$" },
    },
    {
      name: "core-imports-edge",
      comment: "Cores never import edges: edges depend on cores, so a core works without its transport.",
      severity: "error",
      from: { path: CORE, pathNot: [EDGE, TEST] },
      to: { path: EDGE },
    },
    {
      name: "no-circular",
      comment: "Dependencies run one way; a cycle means two modules are one in disguise.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment: "An import that does not resolve would hide its target from every rule above.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Generated code is a leaf: followed into, never checked.
    doNotFollow: { path: ["node_modules", "^(client/)?gen/"] },
    exclude: { path: "^(dist|web/dist|client/dist|node_modules|proto-deps|bench/results|chaos/results)/" },
    // TypeScript 7's package has no compiler API, so dependency-cruiser parses with swc; imports
    // written `./x.js` (NodeNext) resolve to `./x.ts`, and extensionless ones (web/, bundler) too.
    // type-only imports count. tsconfig.json is read only through a TypeScript <7 API, so today it
    // is skipped: harmless while it declares no `paths` (NodeNext resolution needs none).
    parser: "swc",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      // "roomgate-source": the packages' "exports" and "#platform" point Node at built files; the
      // check follows the sources instead (browsers get platform-web.ts, an SDK entry of its own).
      conditionNames: ["roomgate-source", "import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".d.ts"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
