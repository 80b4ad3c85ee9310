import { type Room, RoomState } from "../gen/roomgate/v1/common_pb.js";
import { ClusterEventKind } from "../gen/roomgate/v1/gateway_pb.js";
import type { AllocateRoomRequest } from "../gen/roomgate/v1/manager_pb.js";
import type { Rooms } from "../common/store/store.js";
import type { CommandRouter } from "./commands.js";
import { ManagerError, fromStore, noConfirmation, placementFailure, roomExists, roomMoving } from "./errors.js";
import type { CoreDeps } from "./deps.js";
import { traced } from "../common/tracing/spans.js";
import { allocationInput, type PlacementSettings } from "../common/allocation-input.js";
import { roomAllocated } from "../common/cluster-events.js";

// Allocation: the store picks a live server with room and records the room atomically. A server
// that opens rooms on their first join token is not asked anything: the room is answered OPENING,
// and the Gateway's tokens carry what opens it (common/open-claims.ts); the server's `opened`
// confirms it later (room-events.ts). Any other server is asked to open it first; one that refuses
// or stays silent gives way to the next one. Each way an allocation fails is a named error (errors.ts).
// Gateways place most token-opened rooms without asking (gateway/store-placement.ts), with the same
// inputs (common/allocation-input.ts) and errors: what reaches this Manager is the rest.

/** The allocator places, confirms and withdraws rooms. */
export type AllocatorStore = Rooms;

export interface AllocatorOptions extends CoreDeps<AllocatorStore>, PlacementSettings {
  /** This Manager: the servers whose streams it holds are reachable even before its heartbeat is back. */
  managerId: string;
  /** Sends open_room wherever the server's stream is and waits for its answer. */
  router: CommandRouter;
  /** Servers to try when one fails to confirm a room. */
  maxOpenAttempts: number;
}

export class Allocator {
  constructor(private readonly o: AllocatorOptions) {}

  /** Fails with noServers, noServersWith, allFull, overCapped, noConfirmation, roomExists, roomMoving or storeDown. */
  async allocate(req: AllocateRoomRequest): Promise<{ room: Room; created: boolean }> {
    const excluded: string[] = [];
    for (let attempt = 0; attempt < this.o.maxOpenAttempts; attempt++) {
      const result = await fromStore(() =>
        this.o.store.allocateRoom(
          allocationInput(req, this.o, { nowMs: this.o.now(), excluded, managerId: this.o.managerId }),
        ),
      );
      switch (result.kind) {
        case "none":
        case "full":
        case "unreached":
        case "over_cap":
          throw placementFailure(result, req.labels, req.firstJoinTimeoutMs, excluded.length > 0);
        case "needs_open":
          throw new Error("the store answered needs_open to a Manager");
        case "collision": {
          // The same request again (a Gateway retrying on another Manager after one died): the
          // creator's random player id proves it is ours.
          const prior = await fromStore(() => this.o.store.getRoom(result.roomId ?? req.roomId));
          if (prior && req.creatorPlayerId && prior.creatorPlayerId === req.creatorPlayerId) {
            return { room: await this.existing(prior, req.firstJoinTimeoutMs), created: true };
          }
          throw roomExists(req.roomId);
        }
        case "existing":
          return { room: await this.existing(result.room, req.firstJoinTimeoutMs), created: false };
      }
      const room = result.room;
      if (result.opensOnToken) {
        this.placed(room);
        return { room, created: true };
      }
      try {
        // The server's answer is not in this trace (the Attach stream carries no trace context):
        // this span is the wait for it.
        await traced("roomgate.manager/openRoom", { attributes: { "roomgate.server_id": room.serverId } }, () =>
          this.o.router.open(room, req.firstJoinTimeoutMs),
        );
        if (
          !(await fromStore(() =>
            this.o.store.confirmRoom({ roomId: room.roomId, serverId: room.serverId, nowMs: this.o.now() }),
          ))
        )
          throw new Error("room was reclaimed before it was confirmed");
        room.state = RoomState.OPEN;
        this.placed(room);
        return { room, created: true };
      } catch (e) {
        if (e instanceof ManagerError) throw e;
        this.o.log.warn("server did not open room; trying another", {
          serverId: room.serverId,
          error: (e as Error).message,
        });
        excluded.push(room.serverId);
        await fromStore(() => this.o.store.deleteRoom(room.roomId, room.serverId));
      }
    }
    throw noConfirmation();
  }

  private placed(room: Room) {
    this.o.log.debug("room allocated", { roomId: room.roomId, serverId: room.serverId, state: room.state });
    this.o.events.publish(ClusterEventKind.ROOM_ALLOCATED, roomAllocated(room));
  }

  /**
   * A retry found the room its request made: hand it out only once its server has it open. A room
   * its server opens on the first token is asked to open too (open_room works on any server), as
   * the store does not say here whether a token reached it yet; retries are rare.
   */
  private async existing(room: Room, firstJoinTimeoutMs: number): Promise<Room> {
    if (room.state === RoomState.OPEN) return room;
    if (room.state === RoomState.MOVING) throw roomMoving();
    try {
      // The first request may still be waiting here, or it ran on a Manager that died.
      await (this.o.router.inFlight(room.roomId) ?? this.o.router.open(room, firstJoinTimeoutMs));
    } catch {
      throw noConfirmation();
    }
    if (
      !(await fromStore(() =>
        this.o.store.confirmRoom({ roomId: room.roomId, serverId: room.serverId, nowMs: this.o.now() }),
      ))
    )
      throw noConfirmation();
    room.state = RoomState.OPEN;
    return room;
  }
}
