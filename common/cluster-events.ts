import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import type { Room } from "../gen/roomgate/v1/common_pb.js";
import { type ClusterEventKind, ClusterEventSchema } from "../gen/roomgate/v1/gateway_pb.js";
import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb.js";
import type { Logger } from "./log.js";
import type { ClusterEvents as EventChannel } from "./store/store.js";

// The cluster events (the dashboards' feed, WatchCluster) the Managers, a Gateway placing rooms
// and a game server removing the rooms that ended on it publish through the store.

export interface EventFields {
  roomId?: string;
  serverId?: string;
  detail?: string;
}

export class ClusterEventPublisher {
  constructor(
    private readonly store: Pick<EventChannel, "publishEvent">,
    private readonly log: Logger,
    /** Counts what this process published (its own metrics). */
    private readonly count: (kind: ClusterEventKind) => void = () => {},
  ) {}

  /** Dashboards are told; a failure to tell them never fails the work itself. */
  publish(kind: ClusterEventKind, fields: EventFields) {
    this.count(kind);
    this.store
      .publishEvent(create(ClusterEventSchema, { time: timestampNow(), kind, ...fields }))
      .catch((e) => this.log.debug("could not publish cluster event", { error: String(e) }));
  }
}

/** ROOM_ALLOCATED's fields, whoever placed the room. */
export const roomAllocated = (room: Room): EventFields => ({
  roomId: room.roomId,
  serverId: room.serverId,
  detail: `${room.maxPlayers} seats`,
});

/** ROOM_REMOVED's fields, whoever removed the room: the close reason in words ("empty", "never joined"). */
export const roomRemoved = (roomId: string, serverId: string, reason: RoomCloseReason): EventFields => ({
  roomId,
  serverId,
  detail: (RoomCloseReason[reason] ?? "unspecified").toLowerCase().replace(/_/g, " "),
});
