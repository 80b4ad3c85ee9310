import type WebSocket from "ws";
import { gatewayClient } from "../../testkit/client.js";
import { runPhase, type PhaseResult } from "../lib/phase.js";
import { JOIN_ROOM_SEATS } from "./mesh.js";
import { createRoom, type RoomPhaseInput } from "./room-phases.js";
import { joinUntilWelcome, leave, OP_TIMEOUT_MS } from "./room-ops.js";

// Joins into rooms that already exist: one open room per client, held by its creator, and each
// operation a JoinRoom through the Gateway then the room's socket until the welcome frame (the
// measured part), then a leave. A room takes total/concurrency joins; it has JOIN_ROOM_SEATS seats,
// so even a checkout that frees a seat late never fills one.

export async function joinsIntoRooms(
  p: RoomPhaseInput & { total: number; concurrency: number },
): Promise<{ result: PhaseResult; uncleanLeaves: number }> {
  const gateways = p.mesh.cluster.gateways.length;
  const clients = Array.from({ length: p.concurrency }, (_, w) =>
    gatewayClient(p.mesh.cluster.gatewayUrl(w % gateways), "connect"),
  );
  const seats = Math.min(JOIN_ROOM_SEATS, Math.ceil(p.total / p.concurrency) + 2);
  const hosts: WebSocket[] = [];
  const rooms: string[] = [];
  let uncleanLeaves = 0;
  try {
    p.progress.note(`opening ${p.concurrency} rooms of ${seats} seats for the join phase ...`);
    await Promise.all(
      clients.map(async (c, w) => {
        const r = await createRoom(c, `host-${w}`, p.signal, seats);
        hosts.push(await joinUntilWelcome(r.serverAddress, r.roomId, r.joinToken, p.signal));
        rooms[w] = r.roomId;
      }),
    );
    const result = await runPhase({
      ...p,
      name: `JoinRoom + welcome x${p.concurrency}`,
      op: async (i, w, signal) => {
        const t0 = performance.now();
        const j = await clients[w]!.joinRoom(
          { roomId: rooms[w]!, playerName: `joiner-${i}` },
          { signal, timeoutMs: OP_TIMEOUT_MS },
        );
        const ws = await joinUntilWelcome(j.serverAddress, j.roomId, j.joinToken, signal);
        const ms = performance.now() - t0;
        if (!(await leave(ws))) uncleanLeaves++;
        return ms;
      },
    });
    return { result, uncleanLeaves };
  } finally {
    await Promise.all(hosts.map((ws) => leave(ws)));
  }
}
