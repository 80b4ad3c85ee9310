import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { GatewayProtocol } from "./options.js";

// Node: HTTP/1.1 for both protocols, which any load balancer in front of the Gateways speaks.

export function createGatewayTransport(
  baseUrl: string,
  protocol: GatewayProtocol,
  interceptors: Interceptor[] = [],
): Transport {
  return protocol === "grpc-web"
    ? createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors })
    : createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors });
}
