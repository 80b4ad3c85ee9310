import { RoomgateClient } from "@roomgate/client";
import { RoomState } from "../gen/roomgate/v1/common_pb.js";
import type { LogLine } from "../testkit/cluster.js";
import type { Netns } from "../testkit/netns.js";
import { busiestServer, type Fault, storeBack, type World } from "./faults.js";

// The partition faults: silent cuts between hosts (testkit/netns.ts), each lifted before the fault
// ends. They need the run's processes on hosts of their own (hosts.ts), so only the one-Redis
// backend has them. What each should do is in docs/protocol.md (Fencing) and the README (Chaos).

const REGISTERED = "game server registered";
const at = (l: LogLine) => Date.parse(String(l.time));

/** Polls `done` every 100 ms until it holds or `boundMs` passed; says whether it held. */
async function until(done: () => Promise<boolean> | boolean, boundMs: number): Promise<boolean> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function netOf(w: World): Netns {
  if (!w.net) throw new Error("partition faults need the run's processes on hosts (chaos/hosts.ts)");
  return w.net;
}

/** Manager i's host name, as testkit/cluster.ts names Managers. */
const managerName = (i: number) => (i === 0 ? "manager" : `manager-${i}`);

/** The game servers whose latest registration was with Manager i. */
function serversOf(w: World, i: number): string[] {
  const latest = new Map<string, { manager: number; at: number }>();
  w.cluster.managers.forEach((m, j) => {
    for (const l of m.proc.lines) {
      if (l.msg !== REGISTERED) continue;
      const seen = latest.get(String(l.serverId));
      if (!seen || at(l) >= seen.at) latest.set(String(l.serverId), { manager: j, at: at(l) });
    }
  });
  const live = new Set(w.cluster.gameServers.filter((g) => g.proc.running).map((g) => g.id));
  return [...latest].filter(([id, s]) => s.manager === i && live.has(id)).map(([id]) => id);
}

export const PARTITIONS: Fault[] = [
  {
    name: "cut a game server off from every Manager",
    async inject(w) {
      const net = netOf(w);
      const target = await busiestServer(w);
      const rooms = await w.store.listServerRooms(target.id);
      const cutAt = Date.now();
      // From Redis too (it spends join tokens there): the server is on the far side of the cut.
      for (let i = 0; i < w.cluster.managers.length; i++) await net.cut(target.id, managerName(i));
      await net.cut(target.id, "redis");
      w.log(`  ${target.id} cut off from the Managers and Redis (its players still reach it)`);
      const moved = await until(async () => {
        for (const id of rooms) {
          const r = await w.store.getRoom(id).catch(() => undefined);
          if (!r || r.state !== RoomState.OPEN || r.serverId === target.id) return false;
        }
        return true;
      }, w.partitionMaxMs);
      const heldMs = Date.now() - cutAt;
      w.notes.push(
        moved
          ? `${rooms.length} rooms of ${target.id} open elsewhere ${heldMs} ms after the cut`
          : `${target.id}'s rooms not all moved within ${w.partitionMaxMs} ms`,
      );
      await net.heal();
      const healedAt = Date.now();
      // Back at full strength: the server registers again, with the rooms it still holds (none, if it fenced).
      const again = await w.cluster
        .waitForAnyManager(
          (l) => l.msg === REGISTERED && l.serverId === target.id && at(l) >= healedAt,
          w.partitionMaxMs,
          `${target.id} registered after the heal`,
        )
        .catch(() => undefined);
      w.notes.push(
        again
          ? `${target.id} registered again ${at(again) - healedAt} ms after the heal, holding ${(await w.store.listServerRooms(target.id)).length} rooms`
          : `${target.id} did not register again within ${w.partitionMaxMs} ms of the heal`,
      );
    },
    async heal() {},
  },
  {
    name: "cut a Manager off from Redis",
    async inject(w) {
      const net = netOf(w);
      // The Manager with the most servers: the fault moves as many as it can.
      const counts = w.cluster.managers.map((_, i) => serversOf(w, i));
      const i = counts[1] && counts[1].length > counts[0]!.length ? 1 : 0;
      const servers = counts[i]!;
      const cutAt = Date.now();
      w.marks.managerCut = { manager: i, at: cutAt };
      await net.cut(managerName(i), "redis");
      w.log(`  ${managerName(i)} cut off from Redis; its servers: ${servers.join(", ") || "none"}`);
      // Its servers should leave it for a Manager that can record their reports.
      const others = w.cluster.managers.filter((_, j) => j !== i);
      const movedTo = (id: string) =>
        others.some((m) => m.proc.lines.some((l) => l.msg === REGISTERED && l.serverId === id && at(l) >= cutAt));
      const moved = await until(() => servers.every(movedTo), w.partitionMaxMs);
      w.notes.push(
        moved
          ? `its ${servers.length} servers registered with another Manager within ${Date.now() - cutAt} ms`
          : `servers still with ${managerName(i)} after ${w.partitionMaxMs} ms: ${servers.filter((s) => !movedTo(s)).join(", ")}`,
      );
      await net.heal();
    },
    async heal(w) {
      const cut = w.marks.managerCut;
      if (cut) await storeBack(w.cluster.managers[cut.manager]!.proc, cut.at);
    },
  },
  {
    name: "cut a Gateway off from every Manager",
    async inject(w) {
      const net = netOf(w);
      const gateway = 0;
      const from = Date.now();
      for (let i = 0; i < w.cluster.managers.length; i++) await net.cut(`gateway-${gateway}`, managerName(i));
      w.log(`  gateway-${gateway} cut off from the Managers for ${w.gatewayCutMs} ms`);
      await new Promise((r) => setTimeout(r, w.gatewayCutMs)); // the outage itself, not a wait for an event
      await net.heal();
      const healedAt = Date.now();
      // It serves again once a CreateRoom through it succeeds: until then its failures are the cut's.
      const client = new RoomgateClient(w.cluster.gatewayUrl(gateway), { reconnect: { maxAttempts: 0 } });
      let last = "";
      const serves = await until(async () => {
        try {
          await (await client.createRoom({ maxPlayers: 2 })).leave();
          return true;
        } catch (e) {
          last = (e as Error).message;
          return false;
        }
      }, w.partitionMaxMs);
      if (!serves)
        throw new Error(`gateway-${gateway} still fails CreateRoom ${w.partitionMaxMs} ms after the heal: ${last}`);
      w.marks.gatewayCut = { gateway, from, until: Date.now() };
      w.notes.push(`gateway-${gateway} served again ${Date.now() - healedAt} ms after the heal`);
    },
    async heal() {},
  },
];
