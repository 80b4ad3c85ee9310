// Builds the Manager: its core (manager.ts) behind the grpc-js edge (service.ts), with protovalidate on every request.
import * as grpc from "@grpc/grpc-js";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { ManagerService } from "../gen/roomgate/v1/manager_pb.js";
import { grpcServiceDefinition } from "../common/grpc-adapter.js";
import { grpcValidationInterceptor } from "../common/validation.js";
import type { Logger } from "../common/log.js";
import { AdminToken } from "../common/admin-token.js";
import { operatorTokenInterceptor, roleInterceptor } from "./authorization.js";
import { Manager, type ManagerOptions, type ManagerStore } from "./manager.js";
import { managerHandlers } from "./service.js";
import { healthHandlers, ManagerHealth } from "./health.js";
import { MANAGER_RULE_FREE } from "./rule-free.js";
import { encodeReportAnswer } from "./report-answer.js";

export interface ManagerServerOptions extends ManagerOptions {
  store: ManagerStore;
  log: Logger;
  /** TLS or mutual TLS (common/grpc-credentials.ts); cleartext by default. */
  credentials?: grpc.ServerCredentials;
  /**
   * Under mutual TLS: the SPIFFE trust domain whose certificate identities decide who may call
   * what (authorization.ts). Unset: every caller the transport lets in may call anything.
   */
  trustDomain?: string;
  /** ADMIN_TOKEN: when set, ListServers and DrainServer need it as a bearer token too. */
  adminToken?: string;
}

export interface ManagerServer {
  manager: Manager;
  grpcServer: grpc.Server;
  /** What grpc.health.v1 answers; /readyz asks it too. */
  health: ManagerHealth;
  /** Binds, serves, then starts sweeping the store; resolves with the bound port (0: a free one). */
  listen(host: string, port: number): Promise<number>;
  close(timeoutMs?: number): Promise<void>;
}

/** Builds an unstarted Manager; the caller binds it (tests on port 0). */
export function buildManager(o: ManagerServerOptions): ManagerServer {
  const manager = new Manager(o);
  const grpcServer = new grpc.Server({
    // Let dead game-server connections surface even when the kernel says nothing.
    "grpc.keepalive_time_ms": 10_000,
    "grpc.keepalive_timeout_ms": 5_000,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.min_ping_interval_without_data_ms": 5_000,
    // Nothing reads channelz here; on, it counts and timestamps every message of every stream.
    "grpc.enable_channelz": 0,
    // Who may call what comes first; then every request is checked against the rules in
    // manager.proto before a handler sees it.
    interceptors: [
      ...(o.trustDomain === undefined ? [] : [roleInterceptor(ManagerService, o.trustDomain, o.log)]),
      ...(o.adminToken ? [operatorTokenInterceptor(ManagerService, new AdminToken(o.adminToken), o.log)] : []),
      grpcValidationInterceptor(ManagerService, MANAGER_RULE_FREE),
    ],
  });
  grpcServer.addService(
    grpcServiceDefinition(ManagerService, { attach: encodeReportAnswer }),
    managerHandlers(manager, o.log),
  );
  const health = new ManagerHealth(o.storeReachable ?? (() => true));
  grpcServer.addService(grpcServiceDefinition(Health), healthHandlers(health));
  return {
    manager,
    grpcServer,
    health,
    listen: async (host, port) => {
      const bound = await new Promise<number>((resolve, reject) => {
        grpcServer.bindAsync(`${host}:${port}`, o.credentials ?? grpc.ServerCredentials.createInsecure(), (err, p) =>
          err ? reject(err) : resolve(p),
        );
      });
      // Only once servers can reach us does the grace before anyone is declared dead start.
      await manager.start();
      return bound;
    },
    close: (timeoutMs = 5000) =>
      new Promise<void>((resolve) => {
        health.close();
        manager.close();
        const force = setTimeout(() => {
          grpcServer.forceShutdown();
          resolve();
        }, timeoutMs);
        grpcServer.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
