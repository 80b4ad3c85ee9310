import * as grpc from "@grpc/grpc-js";
import { ManagerService } from "../gen/roomgate/v1/manager_pb.js";
import { grpcClientConstructor } from "./grpc-adapter.js";

// Gateways and game servers reach "the Manager" through MANAGER_ADDRESS, which names one or more:
//   host:port            one Manager, or a DNS name with several addresses: grpc-js resolves
//                        it and round_robin spreads calls over every address that answers
//   a:port,b:port,...    a list: one client each; callers try them in turn (order())

export interface ManagerChannelOptions {
  address: string;
  credentials?: grpc.ChannelCredentials;
  /** grpc-js channel options (keepalive, reconnect backoff...). */
  channelOptions?: grpc.ChannelOptions;
}

/** The targets in MANAGER_ADDRESS; throws on an empty or malformed list. */
export function managerTargets(address: string): string[] {
  const parts = address
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new Error("MANAGER_ADDRESS names no Manager");
  for (const p of parts)
    if (!/^(dns|ipv4|ipv6|unix):|:\d+$/.test(p)) throw new Error(`MANAGER_ADDRESS entry '${p}' must be host:port`);
  // A plain host:port goes through grpc-js's dns resolver, which returns every address of a name.
  return parts;
}

/** Trailer key on every error the Manager itself answers with (its value: the error kind). */
export const MANAGER_ERROR_KEY = "roomgate-error";

/** How a Manager's own answer starts when it cannot reach the store (a Gateway then asks another Manager). */
export const STORE_DOWN = "room store unavailable";

/** How a Manager's answer starts when the servers that fit are held by another Manager it cannot vouch for (ask another). */
export const SERVERS_UNREACHED = "game servers unreached";

/** The Manager could not be reached at all, as opposed to answering `unavailable` itself. */
export function unreachable(e: grpc.ServiceError) {
  return e.code === grpc.status.UNAVAILABLE && (e.metadata?.get(MANAGER_ERROR_KEY).length ?? 0) === 0;
}

const ROUND_ROBIN = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });

export class ManagerClients {
  readonly clients: grpc.Client[];
  readonly targets: string[];
  // Each process starts at a random Manager, so a fleet spreads over them.
  private next = Math.floor(Math.random() * 1_000_000);

  constructor(o: ManagerChannelOptions) {
    this.targets = managerTargets(o.address);
    const Client = grpcClientConstructor(ManagerService);
    const credentials = o.credentials ?? grpc.credentials.createInsecure();
    const options: grpc.ChannelOptions = {
      "grpc.service_config": ROUND_ROBIN,
      // Dead connections surface even when the kernel says nothing.
      "grpc.keepalive_time_ms": 10_000,
      "grpc.keepalive_timeout_ms": 5_000,
      // A restarted Manager is used within a second, not after grpc-js's default backoff (up to 2 min).
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 1000,
      ...o.channelOptions,
    };
    this.clients = this.targets.map((t) => new Client(t, credentials, options));
  }

  /**
   * Every client once, starting with the next in turn; those whose connection is failing go
   * last, so a dead Manager costs a call nothing while a live one is known.
   */
  order(): { client: grpc.Client; target: string }[] {
    const n = this.clients.length;
    const start = this.next++ % n;
    const all = Array.from({ length: n }, (_, i) => (start + i) % n).map((i) => ({
      client: this.clients[i]!,
      target: this.targets[i]!,
    }));
    const failing = (c: grpc.Client) =>
      c.getChannel().getConnectivityState(false) === grpc.connectivityState.TRANSIENT_FAILURE;
    return [...all.filter((c) => !failing(c.client)), ...all.filter((c) => failing(c.client))];
  }

  /**
   * Calls one Manager after another, in order(), until one answers or `retry` says the failure
   * is not worth another Manager (by default: only a Manager that could not be reached at all).
   * Stops at deadlineMs; with no attempt made, fails as DEADLINE_EXCEEDED.
   */
  async ask<T>(
    call: (client: grpc.Client) => Promise<T>,
    o: { deadlineMs?: number; retry?: (e: grpc.ServiceError) => boolean } = {},
  ): Promise<T> {
    const retry = o.retry ?? unreachable;
    let last: grpc.ServiceError | undefined;
    for (const { client } of this.order()) {
      if (o.deadlineMs !== undefined && Date.now() >= o.deadlineMs) break;
      try {
        return await call(client);
      } catch (e) {
        last = e as grpc.ServiceError;
        if (!retry(last)) break;
      }
    }
    throw (
      last ??
      Object.assign(new Error("no Manager answered in time"), {
        code: grpc.status.DEADLINE_EXCEEDED,
        details: "no Manager answered in time",
      })
    );
  }

  close() {
    for (const c of this.clients) c.close();
  }
}
