import type { ClusterEvent } from "../../gen/roomgate/v1/gateway_pb.js";
import type { ClusterEvents, ManagerBus } from "./channels.js";
import type { Leases } from "./leases.js";
import type { Migration } from "./migration.js";
import type { AllocateInput, Claim, RoomOnServer, Rooms } from "./rooms.js";
import type { Listings, QuickJoin, QuickJoins, RoomQuery, Seats } from "./seats.js";
import type { Liveness, ServerRegistration, ServerRegistry } from "./servers.js";
import type { RoomStore } from "./store.js";

// A full store made of one part per concern: each store implementation builds its parts over
// shared state (maps, or one Redis client) and this class hands every call to its part.

export interface StoreParts {
  servers: ServerRegistry;
  liveness: Liveness;
  rooms: Rooms;
  seats: Seats & QuickJoins & Listings;
  migration: Migration;
  channels: ClusterEvents & ManagerBus;
  leases: Leases;
}

type Arg<K extends keyof RoomStore> = Parameters<RoomStore[K]>[0];

export abstract class ComposedStore implements RoomStore {
  constructor(private readonly parts: StoreParts) {}

  abstract close(): Promise<void>;

  registerServer(reg: ServerRegistration) {
    return this.parts.servers.registerServer(reg);
  }
  getServer(id: string) {
    return this.parts.servers.getServer(id);
  }
  listServers() {
    return this.parts.servers.listServers();
  }
  setServerState(s: Arg<"setServerState">) {
    return this.parts.servers.setServerState(s);
  }
  listServerRooms(serverId: string) {
    return this.parts.servers.listServerRooms(serverId);
  }

  recordLoad(report: Arg<"recordLoad">) {
    return this.parts.liveness.recordLoad(report);
  }
  expiredServers(q: Arg<"expiredServers">) {
    return this.parts.liveness.expiredServers(q);
  }
  removeServer(s: Arg<"removeServer">) {
    return this.parts.liveness.removeServer(s);
  }
  heartbeat(h: Arg<"heartbeat">) {
    return this.parts.liveness.heartbeat(h);
  }

  allocateRoom(input: AllocateInput) {
    return this.parts.rooms.allocateRoom(input);
  }
  confirmRoom(r: RoomOnServer & { nowMs: number }) {
    return this.parts.rooms.confirmRoom(r);
  }
  claimExpiredOpening(c: Claim) {
    return this.parts.rooms.claimExpiredOpening(c);
  }
  getRoom(roomId: string, nowMs?: number) {
    return this.parts.rooms.getRoom(roomId, nowMs);
  }
  deleteRoom(roomId: string, serverId?: string) {
    return this.parts.rooms.deleteRoom(roomId, serverId);
  }

  holdSeat(seat: Arg<"holdSeat">) {
    return this.parts.seats.holdSeat(seat);
  }
  setRoomPlayers(r: Arg<"setRoomPlayers">) {
    return this.parts.seats.setRoomPlayers(r);
  }
  joinPublic(q: QuickJoin) {
    return this.parts.seats.joinPublic(q);
  }
  listRooms(q: RoomQuery) {
    return this.parts.seats.listRooms(q);
  }

  saveSnapshot(s: Arg<"saveSnapshot">) {
    return this.parts.migration.saveSnapshot(s);
  }
  getSnapshot(roomId: string) {
    return this.parts.migration.getSnapshot(roomId);
  }
  handOver(h: Arg<"handOver">) {
    return this.parts.migration.handOver(h);
  }
  claimMoving(c: Claim) {
    return this.parts.migration.claimMoving(c);
  }
  moveRoom(m: Arg<"moveRoom">) {
    return this.parts.migration.moveRoom(m);
  }
  finishMove(r: RoomOnServer & { nowMs: number }) {
    return this.parts.migration.finishMove(r);
  }
  deferMove(d: Arg<"deferMove">) {
    return this.parts.migration.deferMove(d);
  }

  publishEvent(event: ClusterEvent) {
    return this.parts.channels.publishEvent(event);
  }
  subscribeEvents(listener: (event: ClusterEvent) => void) {
    return this.parts.channels.subscribeEvents(listener);
  }
  publishBus(message: Uint8Array) {
    return this.parts.channels.publishBus(message);
  }
  subscribeBus(listener: (message: Uint8Array) => void) {
    return this.parts.channels.subscribeBus(listener);
  }

  acquireLease(l: Arg<"acquireLease">) {
    return this.parts.leases.acquireLease(l);
  }
}
