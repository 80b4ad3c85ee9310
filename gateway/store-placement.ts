// The Gateway places a room in the store itself when nothing but the store is needed: the room's
// server opens it on the first join token, so no Manager has to ask the server anything. The
// Manager's AllocateRoom for such a room is one store script and a cluster event; here they cost
// no gRPC hop. Everything else goes to the Managers as before: a server that must be asked to open
// the room (`needs_open`), an idempotent retry (`existing`) or a taken id (`collision`), whose
// rooms may still be opening (the Manager holds that logic), servers behind a Manager not heard
// from (`unreached`: the Manager holding them can still place there), and a store that failed here.

import { create } from "@bufbuild/protobuf";
import { type AllocateRoomRequest, AllocateRoomResponseSchema } from "../gen/roomgate/v1/manager_pb.js";
import { ClusterEventKind } from "../gen/roomgate/v1/gateway_pb.js";
import { placementFailure } from "../common/allocation-errors.js";
import { allocationInput, opensOnToken, type PlacementSettings } from "../common/allocation-input.js";
import { ClusterEventPublisher, roomAllocated } from "../common/cluster-events.js";
import type { Logger } from "../common/log.js";
import type { ClusterEvents, Rooms } from "../common/store/store.js";
import { fromAllocationError } from "./manager-answers.js";
import type { RoomAllocator } from "./matchmaking/dependencies.js";
import { countPlacement } from "./metrics.js";

export interface StorePlacementOptions {
  store: Pick<Rooms, "allocateRoom"> & Pick<ClusterEvents, "publishEvent">;
  /** The Managers (gateway/manager-client.ts): every room this Gateway does not place itself. */
  managers: RoomAllocator;
  /** The same settings the Managers place with (common/allocation-input.ts). */
  settings: PlacementSettings;
  log: Logger;
  now?: () => number;
}

export class StorePlacement implements RoomAllocator {
  private readonly events: ClusterEventPublisher;
  private readonly now: () => number;

  constructor(private readonly o: StorePlacementOptions) {
    this.events = new ClusterEventPublisher(o.store, o.log);
    this.now = o.now ?? Date.now;
  }

  async allocateRoom(req: AllocateRoomRequest) {
    // Metadata too large for a token: only open_room can carry it.
    if (!opensOnToken(req)) return this.toManagers(req, "not_token");
    let result: Awaited<ReturnType<Rooms["allocateRoom"]>>;
    try {
      result = await this.o.store.allocateRoom(
        allocationInput(req, this.o.settings, { nowMs: this.now(), excluded: [], tokenOpenOnly: true }),
      );
    } catch (e) {
      // A Manager may reach the store when this Gateway does not; it answers store_down otherwise.
      this.o.log.debug("could not place a room in the store; asking a Manager", { error: String(e) });
      return this.toManagers(req, "store_down");
    }
    switch (result.kind) {
      case "created":
        countPlacement("created");
        this.events.publish(ClusterEventKind.ROOM_ALLOCATED, roomAllocated(result.room));
        return create(AllocateRoomResponseSchema, { room: result.room, created: true });
      case "none":
      case "full":
      case "over_cap": {
        // Exactly what the Manager would have answered (no server was tried, so none is no_servers).
        const e = placementFailure(result, req.labels, req.firstJoinTimeoutMs);
        countPlacement(e.reason);
        throw fromAllocationError(e);
      }
      default:
        return this.toManagers(req, result.kind);
    }
  }

  private toManagers(req: AllocateRoomRequest, why: string) {
    countPlacement(why);
    return this.o.managers.allocateRoom(req);
  }

  close() {
    this.o.managers.close();
  }
}
