/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["@swc/jest"] },
  // Sources import with .js suffixes (NodeNext); jest resolves the .ts beside them.
  // "#platform" (package.json "imports") points Node at dist/; tests run the source.
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1", "^#platform$": "<rootDir>/client/platform-node.ts" },
  testMatch: ["<rootDir>/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  globalSetup: "<rootDir>/test/harness/global-setup.ts",
  globalTeardown: "<rootDir>/test/harness/global-teardown.ts",
  testTimeout: 30000,
};
