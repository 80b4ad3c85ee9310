import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { type ClusterEventKind, ClusterEventSchema } from "../gen/roomgate/v1/gateway_pb.js";
import type { Logger } from "../common/log.js";
import type { ClusterEvents as EventChannel } from "../common/store/store.js";
import { countEvent } from "./metrics.js";

// The cluster events (the dashboards' feed) the Manager publishes through the store.

export interface EventFields {
  roomId?: string;
  serverId?: string;
  detail?: string;
}

export class ClusterEvents {
  constructor(
    private readonly store: Pick<EventChannel, "publishEvent">,
    private readonly log: Logger,
  ) {}

  /** Dashboards are told; a failure to tell them never fails the work itself. */
  publish(kind: ClusterEventKind, fields: EventFields) {
    countEvent(kind);
    this.store
      .publishEvent(create(ClusterEventSchema, { time: timestampNow(), kind, ...fields }))
      .catch((e) => this.log.debug("could not publish cluster event", { error: String(e) }));
  }
}
