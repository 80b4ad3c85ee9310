// Every setting is both a flag (--gateway-port 8080) and an environment variable
// (GATEWAY_PORT=8080); a flag wins over the environment, which wins over the default. This table
// is the single source for parsing and for `roomgate --help`.
// It lives in config/, one file per concern; this file keeps the one import path for callers.

export type { Component, Setting } from "./config/component.js";
export { checkServerId, keyValuePairs, parseLabels } from "./config/labels.js";
export { bool, ConfigError, flagName, helpText, int, readSettings, str, type Values } from "./config/read.js";
export { SETTINGS } from "./config/settings.js";
