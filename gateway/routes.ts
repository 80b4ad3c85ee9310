// The Gateway's Connect routes: GatewayService served by the edge class in service.ts.

import type { ConnectRouter } from "@connectrpc/connect";
import { GatewayService } from "../gen/roomgate/v1/gateway_pb.js";
import type { GatewayServiceImpl } from "./service.js";

export function routes(impl: GatewayServiceImpl) {
  return (router: ConnectRouter) => router.service(GatewayService, impl);
}
