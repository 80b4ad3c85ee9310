import type { Logger } from "../common/log.js";
import type { ClusterEvents } from "./cluster-events.js";

/** What every part of the Manager core is given (manager.ts wires them). */
export interface CoreDeps<S> {
  /** Only the store interfaces the part uses (each part names its own, e.g. `FailoverStore`). */
  store: S;
  log: Logger;
  now: () => number;
  events: ClusterEvents;
}
