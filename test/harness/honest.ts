import { gatewayClient, Player } from "../../testkit/client";
import type { Cluster } from "../../testkit/cluster";

/** Every process of the cluster is still running. */
export function allAlive(cluster: Cluster): boolean {
  return cluster.procs.every((p) => p.running);
}

/**
 * What an honest client does, end to end: CreateRoom, a second player's JoinRoom, both connect,
 * one broadcasts and the other receives it. Throws when any step fails.
 */
export async function honestRoundTrip(cluster: Cluster) {
  const gw = gatewayClient(cluster.gatewayUrl(0));
  const created = await gw.createRoom({ playerName: "ann", maxPlayers: 4 });
  const ann = await Player.join(created.serverAddress, created.roomId, created.joinToken);
  const joined = await gw.joinRoom({ roomId: created.roomId, playerName: "bob" });
  const bob = await Player.join(joined.serverAddress, joined.roomId, joined.joinToken);
  const heard = bob.player.next("message");
  ann.player.broadcast(new Uint8Array([1, 2, 3]));
  const { frame } = await heard;
  await Promise.all([ann.player.leave(), bob.player.leave()]);
  return { from: frame.value.fromPlayerId, payload: [...frame.value.payload], sender: ann.welcome.playerId };
}
