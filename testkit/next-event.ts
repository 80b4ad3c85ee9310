import type { ClusterEvent } from "../gen/roomgate/v1/gateway_pb.js";
import type { ClusterEvents } from "../common/store/store.js";

/**
 * Subscribes, then resolves with the first cluster event published from now on that matches. The
 * promise comes wrapped: an async function returning it bare would await it.
 */
export async function nextEvent(
  store: Pick<ClusterEvents, "subscribeEvents">,
  match: (e: ClusterEvent) => boolean,
): Promise<{ event: Promise<ClusterEvent> }> {
  let resolve!: (e: ClusterEvent) => void;
  const event = new Promise<ClusterEvent>((r) => (resolve = r));
  const unsubscribe = await store.subscribeEvents((e) => {
    if (!match(e)) return;
    unsubscribe();
    resolve(e);
  });
  return { event };
}
