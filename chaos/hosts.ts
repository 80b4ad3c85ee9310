import { Netns } from "../testkit/netns.js";
import { LAN } from "./faults.js";

// Where a chaos run's processes live: each Manager, Gateway, game server and Redis on a host of
// its own (testkit/netns.ts), one region, the players on the test process's side of its bridge.
// Real interfaces between them, so a fault can cut two hosts apart silently. Needs root: the
// run fails at once, naming what is missing, rather than falling back to loopback.

export async function chaosHosts(o: { managers: number; gateways: number; gameServers: number }): Promise<Netns> {
  const net = await Netns.create({ regions: [LAN] });
  try {
    const names = [
      "redis",
      ...Array.from({ length: o.managers }, (_, i) => (i === 0 ? "manager" : `manager-${i}`)),
      ...Array.from({ length: o.gateways }, (_, i) => `gateway-${i}`),
      ...Array.from({ length: o.gameServers }, (_, i) => `gs-${i}`),
    ];
    // One at a time: each addHost runs a few `ip` batches, and their order fixes each host's address.
    for (const name of names) await net.addHost(name, LAN);
    return net;
  } catch (e) {
    await net.teardown();
    throw e;
  }
}
