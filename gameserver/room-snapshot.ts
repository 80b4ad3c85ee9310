// A room to and from a RoomSnapshot: what a room sends the Manager, and how a room that moved
// here starts from what it sent.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type RoomSnapshot, RoomSnapshotSchema } from "../gen/roomgate/v1/room_pb.js";
import type { Logger } from "../common/log.js";
import { entryBytes, type Room } from "./room.js";

/** The room as a serialized RoomSnapshot (a logic room's runtime snapshot inside), or undefined (logged once per room) when over `maxBytes`. */
export function snapshotOf(room: Room, maxBytes: number, takenAtMs: number, log: Logger): Uint8Array | undefined {
  // A logic room whose onSnapshot threw has no snapshot now: the last good one stands.
  const logic = room.logic?.snapshot();
  if (room.logic && !logic) return undefined;
  const players = [...room.players.values()].map((p) => ({ id: p.id, name: p.name }));
  // Players a restored room still waits for keep their seats wherever the room goes next.
  for (const [id, name] of room.awaited) players.push({ id, name });
  const bytes = toBinary(
    RoomSnapshotSchema,
    create(RoomSnapshotSchema, {
      state: [...room.state.values()],
      players,
      maxPlayers: room.maxPlayers,
      takenAtMs: BigInt(takenAtMs),
      roomType: room.logic ? room.roomType : "",
      logic,
    }),
  );
  if (bytes.byteLength <= maxBytes) return bytes;
  if (!room.snapshotWarned) {
    room.snapshotWarned = true;
    log.warn("room snapshot too large; not sent", { roomId: room.id, bytes: bytes.byteLength, limit: maxBytes });
  }
  return undefined;
}

/**
 * Fills a room that moved here from its snapshot (empty when none was taken): state, max players,
 * and the players it waits for. An unreadable snapshot is logged and leaves the room empty.
 */
export function restoreFrom(room: Room, bytes: Uint8Array, log: Logger): RoomSnapshot | undefined {
  room.restored = true;
  let snap: RoomSnapshot | undefined;
  if (bytes.byteLength > 0) {
    try {
      snap = fromBinary(RoomSnapshotSchema, bytes);
    } catch (e) {
      log.warn("room snapshot unreadable; restoring the room empty", {
        roomId: room.id,
        error: (e as Error).message,
      });
    }
  }
  if (snap) {
    room.maxPlayers = snap.maxPlayers || room.maxPlayers;
    for (const e of snap.state) {
      if (!e.key || e.value.byteLength === 0) continue;
      room.state.set(e.key, e);
      room.stateBytes += entryBytes(e.key, e.value);
    }
    for (const p of snap.players) if (p.id) room.awaited.set(p.id, p.name);
  }
  return snap;
}
