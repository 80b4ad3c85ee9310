import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type GameServer,
  GameServerSchema,
  type GameServerState,
  type Room,
  RoomSchema,
  type RoomState,
  type RoomVisibility,
} from "../../../gen/roomgate/v1/common_pb.js";
import type { Labels } from "../placement.js";

// Server and room hashes as the scripts write them, read back into the public messages.
// Room hash fields: roomId serverId address region zone maxPlayers players createdAt creator
// state (RoomState) want (JSON array of asked-for regions) labels (JSON of required labels)
// migrations movingSince vis (RoomVisibility) mode meta (JSON) qkey (quick-join key) ir (region
// the room is listed under, while listed) tok (1: its server opens it on the first join token);
// scripts that return a room add free (its free seats). Server hashes: tok (1: it opens rooms on
// their first join token).

export function pairsToHash(flat: string[]): Record<string, string> {
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
  return h;
}

export const num = (v: string | undefined) => (v ? Number(v) : 0);

/** Short key-safe id of a value (label sets, quick-join keys) used inside Redis key names. */
export function shortHash(s: string): string {
  return createHash("sha1").update(s).digest("hex").slice(0, 16);
}

function parseLabels(json: string | undefined): Labels {
  if (!json) return {};
  try {
    return JSON.parse(json) as Labels;
  } catch {
    return {};
  }
}

export function serverFromHash(h: Record<string, string>): GameServer {
  return create(GameServerSchema, {
    id: h.id,
    address: h.address,
    region: h.region,
    state: num(h.state) as GameServerState,
    maxRooms: num(h.maxRooms),
    maxPlayers: num(h.maxPlayers),
    reservedRooms: num(h.rooms),
    reservedSeats: num(h.seats),
    players: num(h.players),
    lastReportTime: timestampFromMs(num(h.reportAt)),
    reportIntervalMs: num(h.reportIntervalMs),
    epoch: num(h.epoch),
    managerId: h.manager ?? "",
    zone: h.zone ?? "",
    labels: parseLabels(h.labels),
    opensOnToken: h.tok === "1",
  });
}

export function roomFromHash(h: Record<string, string>): Room {
  return create(RoomSchema, {
    roomId: h.roomId,
    serverId: h.serverId,
    serverAddress: h.address,
    region: h.region,
    maxPlayers: num(h.maxPlayers),
    playerCount: num(h.players),
    createTime: timestampFromMs(num(h.createdAt)),
    creatorPlayerId: h.creator,
    state: num(h.state) as RoomState,
    migrations: num(h.migrations),
    visibility: num(h.vis) as RoomVisibility,
    mode: h.mode ?? "",
    metadata: parseLabels(h.meta),
    labels: parseLabels(h.labels),
    freeSeats: num(h.free),
    zone: h.zone ?? "",
    cpuSeconds: Number(h.cpu ?? 0) || 0,
    cpuLoad: Number(h.cpuLoad ?? 0) || 0,
  });
}
