/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["@swc/jest"] },
  // Sources import with .js suffixes (NodeNext); jest resolves the .ts beside them.
  // "#platform" (package.json "imports") points Node at dist/; tests run the source.
  // "roomgate/server" and "roomgate/testing" (package.json "exports", as room modules import them)
  // likewise point at the source.
  moduleNameMapper: {
    "^(\\.{1,2}/.*)\\.js$": "$1",
    "^#platform$": "<rootDir>/client/platform-node.ts",
    "^roomgate/server$": "<rootDir>/rooms/index.ts",
    "^roomgate/testing$": "<rootDir>/rooms/testing.ts",
    "^roomgate/sync$": "<rootDir>/protocol/sync/index.ts",
  },
  testMatch: ["<rootDir>/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  globalSetup: "<rootDir>/test/harness/global-setup.ts",
  globalTeardown: "<rootDir>/test/harness/global-teardown.ts",
  testTimeout: 30000,
};
