import type { Logger } from "../common/log.js";
import { ClusterEventPublisher } from "../common/cluster-events.js";
import type { ClusterEvents as EventChannel } from "../common/store/store.js";
import { countEvent } from "./metrics.js";

// The cluster events (the dashboards' feed) the Manager publishes through the store, counted in its metrics.

export type { EventFields } from "../common/cluster-events.js";

export class ClusterEvents extends ClusterEventPublisher {
  constructor(store: Pick<EventChannel, "publishEvent">, log: Logger) {
    super(store, log, countEvent);
  }
}
