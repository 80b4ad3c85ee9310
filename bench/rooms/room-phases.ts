import type { Client } from "@connectrpc/connect";
import type { CreateRoomResponse, GatewayService } from "../../gen/roomgate/v1/gateway_pb.js";
import { gatewayClient } from "../../testkit/client.js";
import type { Mesh } from "./mesh.js";
import { runPhase, type PhaseContext, type PhaseResult } from "../lib/phase.js";
import { joinUntilWelcome, leave, OP_TIMEOUT_MS } from "./room-ops.js";

// The room flow as a game client sees it: CreateRoom through a Gateway (Connect over HTTP/1.1),
// then the room's WebSocket until the welcome frame.

type Gateway = Client<typeof GatewayService>;

export interface RoomPhaseInput extends PhaseContext {
  mesh: Mesh;
  signal: AbortSignal;
}

/** Where rooms ended up and what went wrong around the measured part. */
export interface Spread {
  byServer: Record<string, number>;
  byGateway: Record<string, number>;
  /** Leaves whose close handshake did not finish and had to be cut. */
  uncleanLeaves: number;
}

function newSpread(): Spread {
  return { byServer: {}, byGateway: {}, uncleanLeaves: 0 };
}

function count(m: Record<string, number>, key: string) {
  m[key] = (m[key] ?? 0) + 1;
}

/**
 * CreateRoom as a game client calls it. The Gateways run without per-client limits (mesh.ts), so
 * every call is the room path itself; maxPlayers 0 is the deployment's default (roomSeats).
 */
export function createRoom(
  client: Gateway,
  name: string,
  signal: AbortSignal,
  maxPlayers = 0,
): Promise<CreateRoomResponse> {
  return client.createRoom({ playerName: name, maxPlayers }, { signal, timeoutMs: OP_TIMEOUT_MS });
}

/** Phase 2: one client, one call at a time, through gateway 0: latency without queueing. */
export async function sequentialCreates(
  p: RoomPhaseInput & { total: number },
): Promise<{ result: PhaseResult; rooms: CreateRoomResponse[] }> {
  const client = gatewayClient(p.mesh.cluster.gatewayUrl(0), "connect");
  const rooms: CreateRoomResponse[] = [];
  const result = await runPhase({
    ...p,
    name: "CreateRoom sequential",
    concurrency: 1,
    op: async (i, _w, signal) => {
      const t0 = performance.now();
      const room = await createRoom(client, `seq-${i}`, signal);
      const ms = performance.now() - t0;
      rooms.push(room);
      return ms;
    },
  });
  return { result, rooms };
}

/**
 * Joins and leaves rooms that were created but not joined, so they close now instead of when
 * their join tokens expire (30 s later, in the middle of another phase's measurement).
 */
export async function closeRooms(
  p: RoomPhaseInput & { rooms: CreateRoomResponse[]; concurrency: number },
): Promise<PhaseResult> {
  return runPhase({
    ...p,
    name: "close sequential rooms",
    total: p.rooms.length,
    op: async (i, _w, signal) => {
      const r = p.rooms[i]!;
      const t0 = performance.now();
      await leave(await joinUntilWelcome(r.serverAddress, r.roomId, r.joinToken, signal));
      return performance.now() - t0;
    },
  });
}

/**
 * Phase 3 (and the warm-up): `concurrency` clients, spread over the gateways, each creating a room,
 * joining it until welcome (the measured latency) and leaving so the room is freed.
 */
export async function createJoinLeave(
  p: RoomPhaseInput & { name: string; total: number; concurrency: number },
): Promise<{ result: PhaseResult; spread: Spread }> {
  const gateways = p.mesh.cluster.gateways.length;
  const clients = Array.from({ length: p.concurrency }, (_, w) =>
    gatewayClient(p.mesh.cluster.gatewayUrl(w % gateways), "connect"),
  );
  const spread = newSpread();
  const result = await runPhase({
    ...p,
    op: async (i, w, signal) => {
      const t0 = performance.now();
      const room = await createRoom(clients[w]!, `load-${i}`, signal);
      const ws = await joinUntilWelcome(room.serverAddress, room.roomId, room.joinToken, signal);
      const ms = performance.now() - t0;
      count(spread.byServer, room.serverId);
      count(spread.byGateway, `gateway-${w % gateways}`);
      if (!(await leave(ws))) spread.uncleanLeaves++;
      return ms;
    },
  });
  return { result, spread };
}
