import * as grpc from "@grpc/grpc-js";
import { ManagerService } from "../gen/roomgate/v1/manager_pb.js";
import { grpcServiceDefinition } from "../common/grpc-adapter.js";
import type { Logger } from "../common/log.js";
import type { RoomStore } from "../common/store/store.js";
import { Manager } from "./manager.js";
import { managerHandlers } from "./service.js";

export interface ManagerServerOptions {
  store: RoomStore;
  log: Logger;
  missedReports: number;
  openRoomTimeoutMs: number;
  idempotencyTtlMs: number;
}

export interface ManagerServer {
  manager: Manager;
  grpcServer: grpc.Server;
  /** Binds, serves, then adopts servers left in the store; resolves with the bound port (0: a free one). */
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
  });
  grpcServer.addService(grpcServiceDefinition(ManagerService), managerHandlers(manager, o.log));
  return {
    manager,
    grpcServer,
    listen: async (host, port) => {
      const bound = await new Promise<number>((resolve, reject) => {
        grpcServer.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
      });
      // Only once servers can reach us does their deadline to attach again start.
      await manager.recover();
      return bound;
    },
    close: (timeoutMs = 5000) =>
      new Promise<void>((resolve) => {
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
