/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["@swc/jest"] },
  // Sources import with .js suffixes (NodeNext); jest resolves the .ts beside them.
  // The packages' "exports" and "imports" point Node at their dist/ folders; tests run the sources:
  // @roomgate/client (client/package.json, its "#platform" as Node sees it) and roomgate/server,
  // roomgate/testing and roomgate/sync (package.json, as room modules import them).
  moduleNameMapper: {
    "^(\\.{1,2}/.*)\\.js$": "$1",
    "^#platform$": "<rootDir>/client/platform-node.ts",
    "^@roomgate/client$": "<rootDir>/client/index.ts",
    "^@roomgate/client/sync$": "<rootDir>/client/protocol/sync/index.ts",
    "^@roomgate/client/protocol/(.*)$": "<rootDir>/client/protocol/$1.ts",
    "^@roomgate/client/tracing$": "<rootDir>/client/tracing.ts",
    "^roomgate/server$": "<rootDir>/rooms/index.ts",
    "^roomgate/testing$": "<rootDir>/rooms/testing.ts",
    "^roomgate/sync$": "<rootDir>/rooms/client-sync.ts",
  },
  testMatch: ["<rootDir>/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  globalSetup: "<rootDir>/test/harness/global-setup.ts",
  globalTeardown: "<rootDir>/test/harness/global-teardown.ts",
  testTimeout: 30000,
};
