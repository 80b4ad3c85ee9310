import { GameServerState, RoomState } from "../gen/roomgate/v1/common_pb.js";
import type { RoomStore } from "../common/store/store.js";
import type { Cluster } from "../testkit/cluster.js";

// Each fault starts from a whole cluster, so that what it is judged on is its own doing. "Every
// player is back" is not enough: after a store outage the players' servers run on while they
// re-register, and one that misses its fence deadline stops its rooms a second later, inside the
// next fault's window (seen on the Redis Cluster, whose failover takes seconds).

/** What a game server last said of its link to the Managers. */
const LINK_LINES = ["registered with manager", "manager stream failed", "leaving manager for another"];

/** Why the cluster is not whole yet, or undefined when it is. */
export async function unsettled(
  store: Pick<RoomStore, "getRoom" | "listServers">,
  cluster: Cluster,
  roomIds: string[],
): Promise<string | undefined> {
  const live = cluster.gameServers.filter((g) => g.proc.running);
  for (const g of live) {
    const last = g.proc.lines.findLast((l) => LINK_LINES.includes(l.msg) || l.msg.startsWith("fenced"));
    if (last?.msg !== "registered with manager")
      return `${g.id} is not registered (${last?.msg ?? "no link line yet"})`;
  }
  const servers = new Map((await store.listServers()).map((s) => [s.id, s.state]));
  for (const g of live) {
    const state = servers.get(g.id);
    if (state !== GameServerState.LIVE)
      return `${g.id} is ${state === undefined ? "not in the store" : GameServerState[state]}`;
  }
  const liveIds = new Set(live.map((g) => g.id));
  for (const id of roomIds) {
    const r = await store.getRoom(id);
    // A room gone is lost: the fault that lost it reports it, and it comes back no more.
    if (r && (r.state !== RoomState.OPEN || !liveIds.has(r.serverId)))
      return `room ${id} is ${RoomState[r.state]} on ${r.serverId || "no server"}`;
  }
  return undefined;
}

/** Resolves once the cluster is whole (see unsettled), polling the store and the logs. */
export async function settled(
  store: Pick<RoomStore, "getRoom" | "listServers">,
  cluster: Cluster,
  roomIds: string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = await unsettled(store, cluster, roomIds).catch((e: Error) => `the store failed: ${e.message}`);
    if (why === undefined) return;
    if (Date.now() > deadline) throw new Error(`the cluster was not whole again within ${timeoutMs} ms: ${why}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
