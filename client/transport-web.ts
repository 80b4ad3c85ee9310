import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import type { GatewayProtocol } from "./options.js";

// Browsers: fetch, which picks the HTTP version itself.

export function createGatewayTransport(
  baseUrl: string,
  protocol: GatewayProtocol,
  interceptors: Interceptor[] = [],
): Transport {
  return protocol === "grpc-web"
    ? createGrpcWebTransport({ baseUrl, interceptors })
    : createConnectTransport({ baseUrl, interceptors });
}
