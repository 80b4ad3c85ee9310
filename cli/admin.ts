import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { GameServerState, type GameServer } from "../gen/roomgate/v1/common_pb.js";
import { ManagerService } from "../gen/roomgate/v1/manager_pb.js";
import { ConfigError, str, type Values } from "../common/config.js";
import { callUnary } from "../common/grpc-adapter.js";
import { channelCredentials } from "../common/grpc-credentials.js";
import { ManagerClients } from "../common/manager-channel.js";

// Operator commands: they ask any live Manager, as Gateways do.

async function ask<T>(v: Values, call: (client: grpc.Client) => Promise<T>): Promise<T> {
  const managers = new ManagerClients({ address: str(v, "MANAGER_ADDRESS")!, credentials: channelCredentials(v) });
  try {
    // An operator would rather hear from any Manager: every `unavailable` is worth the next one.
    return await managers.ask(call, { retry: (e) => e.code === grpc.status.UNAVAILABLE });
  } catch (e) {
    const err = e as grpc.ServiceError;
    throw new Error(`${grpc.status[err.code] ?? "error"}: ${err.details ?? err.message}`);
  } finally {
    managers.close();
  }
}

const deadline = () => ({ deadline: Date.now() + 5000 });

/** The operator's token, for a Manager that has ADMIN_TOKEN set (one that has not ignores it). */
function operatorMetadata(v: Values): grpc.Metadata {
  const metadata = new grpc.Metadata();
  const token = str(v, "ADMIN_TOKEN");
  if (token) metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

/** roomgate drain <server-id>: the server takes no new rooms, hands its rooms over and exits. */
export async function drain(v: Values, args: string[]) {
  const [serverId] = args;
  if (!serverId) throw new ConfigError("usage: roomgate drain <server-id> [options]");
  const res = await ask(v, (c) =>
    callUnary(
      c,
      ManagerService.method.drainServer,
      create(ManagerService.method.drainServer.input, { serverId }),
      deadline(),
      operatorMetadata(v),
    ),
  );
  process.stdout.write(
    `draining ${serverId} (${res.server?.address ?? "?"}): it takes no new rooms, moves its rooms and exits\n`,
  );
}

/** roomgate servers: the fleet as the store sees it. */
export async function servers(v: Values) {
  const res = await ask(v, (c) =>
    callUnary(
      c,
      ManagerService.method.listServers,
      create(ManagerService.method.listServers.input),
      deadline(),
      operatorMetadata(v),
    ),
  );
  const rows = res.servers.map((s: GameServer) => [
    s.id,
    GameServerState[s.state] ?? String(s.state),
    s.region,
    s.zone || "-",
    `${s.reservedRooms}/${s.maxRooms}`,
    `${s.players}/${s.maxPlayers}`,
    s.managerId,
    s.address,
    Object.entries(s.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",") || "-",
  ]);
  const head = ["ID", "STATE", "REGION", "ZONE", "ROOMS", "PLAYERS", "MANAGER", "ADDRESS", "LABELS"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows])
    process.stdout.write(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd() + "\n",
    );
}
