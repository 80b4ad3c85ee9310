import { ConfigError, readSettings } from "../common/config";
import { gatewayMaxConcurrentStreams, gatewayTrustedProxyHops, wsMaxBytesPerSecond } from "./limits";

// The edge limits as configured: defaults, flags over the environment, and refusals of settings
// that would make no sense.

const gateway = (argv: string[], env: NodeJS.ProcessEnv = {}) => readSettings("gateway", argv, env);
const gameserver = (argv: string[], env: NodeJS.ProcessEnv = {}) => readSettings("gameserver", argv, env);

test("X-Forwarded-For hops: none unless the proxy is trusted, then 1 by default, more when told", () => {
  expect(gatewayTrustedProxyHops(gateway([]))).toBe(0);
  expect(gatewayTrustedProxyHops(gateway([], { GATEWAY_TRUSTED_PROXY_HOPS: "3" }))).toBe(0);
  expect(gatewayTrustedProxyHops(gateway([], { GATEWAY_TRUST_PROXY: "true" }))).toBe(1);
  expect(
    gatewayTrustedProxyHops(
      gateway(["--gateway-trusted-proxy-hops", "2"], { GATEWAY_TRUST_PROXY: "true", GATEWAY_TRUSTED_PROXY_HOPS: "5" }),
    ),
  ).toBe(2);
  expect(() =>
    gatewayTrustedProxyHops(gateway([], { GATEWAY_TRUST_PROXY: "true", GATEWAY_TRUSTED_PROXY_HOPS: "0" })),
  ).toThrow(ConfigError);
});

test("HTTP/2 concurrent streams: 100 by default, at least 1", () => {
  expect(gatewayMaxConcurrentStreams(gateway([]))).toBe(100);
  expect(gatewayMaxConcurrentStreams(gateway(["--gateway-max-concurrent-streams=10"]))).toBe(10);
  expect(() => gatewayMaxConcurrentStreams(gateway([], { GATEWAY_MAX_CONCURRENT_STREAMS: "0" }))).toThrow(
    "GATEWAY_MAX_CONCURRENT_STREAMS must be at least 1",
  );
});

test("WebSocket byte budget: 64 KiB by default, 0 turns it off, never below the largest frame", () => {
  expect(wsMaxBytesPerSecond(gameserver([]))).toBe(65536);
  expect(wsMaxBytesPerSecond(gameserver(["--max-bytes-per-second", "0"]))).toBe(0);
  expect(wsMaxBytesPerSecond(gameserver([], { MAX_BYTES_PER_SECOND: "16384" }))).toBe(16384);
  expect(() => wsMaxBytesPerSecond(gameserver([], { MAX_BYTES_PER_SECOND: "1000" }))).toThrow(
    "MAX_BYTES_PER_SECOND must be 0 (off) or at least MAX_FRAME_BYTES (16384), got 1000",
  );
});
