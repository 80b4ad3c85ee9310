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
  RoomVisibility,
} from "../../../gen/roomgate/v1/common_pb.js";
import { boundedMemo } from "../../bounded-memo.js";
import type { Labels } from "../placement.js";

// Server and room hashes as the scripts write them, read back into the public messages. Rooms come
// as lua/includes/room.lua's room() returns them: the hash's short fields (absent ones are their
// defaults) and id, a (address), rg (region), zn (zone) and free (free seats). Server hashes: tok
// (1: it opens rooms on their first join token).

export function pairsToHash(flat: string[]): Record<string, string> {
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
  return h;
}

export const num = (v: string | undefined) => (v ? Number(v) : 0);

/** Hashes remembered at most. */
const HASHED_MAX = 1024;

/**
 * Short key-safe id of a value (label sets, quick-join keys) used inside Redis key names. Remembered:
 * a deployment's rooms come in a few shapes, and every allocation hashes its shape.
 */
export const shortHash = boundedMemo(HASHED_MAX, (s) => createHash("sha1").update(s).digest("hex").slice(0, 16));

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
    roomId: h.id,
    serverId: h.sv ?? "",
    serverAddress: h.a ?? "",
    region: h.rg ?? "",
    maxPlayers: num(h.n),
    playerCount: num(h.pl),
    createTime: timestampFromMs(num(h.c)),
    creatorPlayerId: h.p ?? "",
    state: num(h.s) as RoomState,
    migrations: num(h.mg),
    visibility: h.v === undefined ? RoomVisibility.PRIVATE : (num(h.v) as RoomVisibility),
    mode: h.m ?? "",
    metadata: parseLabels(h.d),
    labels: parseLabels(h.l),
    freeSeats: num(h.free),
    zone: h.zn ?? "",
    cpuSeconds: Number(h.cpu ?? 0) || 0,
    cpuLoad: Number(h.cl ?? 0) || 0,
  });
}
