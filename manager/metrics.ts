import { type GameServer, GameServerState } from "../gen/roomgate/v1/common_pb.js";
import { ClusterEventKind } from "../gen/roomgate/v1/gateway_pb.js";
import { Counter, Gauge, Histogram } from "prom-client";
import { LATENCY_BUCKETS, registry } from "../common/metrics/registry.js";
import type { Rooms, ServerRegistry } from "../common/store/store.js";
import { ManagerError } from "./errors.js";

// The Manager's metrics. Counters move where the work happens (allocation, cluster events, the
// bus). The cluster gauges (servers and rooms by state, seats reserved, players) are read at
// scrape time with one listServers() and two counts of the store's work queues (countRooms):
// O(servers), never O(rooms), and nothing between scrapes.
// Every Manager of a deployment reports the same cluster gauges: aggregate them with max().

const allocations = new Counter({
  name: "roomgate_allocations_total",
  help: "AllocateRoom calls by result: created, existing (a retried request_id), or the named failure (no_servers, full, unreached, no_confirmation, exists, moving, store_down, error).",
  labelNames: ["result"] as const,
  registers: [registry],
});

const allocationSeconds = new Histogram({
  name: "roomgate_allocation_duration_seconds",
  help: "Time to place a room (AllocateRoom, whatever its result), seconds.",
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

// What a cluster event published by this Manager counts in.
const EVENT_COUNTERS = new Map(
  (
    [
      [
        ClusterEventKind.ROOM_MIGRATED,
        "roomgate_rooms_moved_total",
        "Rooms moved to another server (their server died or drained) by this Manager.",
      ],
      [
        ClusterEventKind.ROOM_LOST,
        "roomgate_rooms_lost_total",
        "Rooms given up because no server could take them within MIGRATION_TIMEOUT_MS.",
      ],
      [
        ClusterEventKind.SERVER_REMOVED,
        "roomgate_servers_removed_total",
        "Game servers removed from the store by this Manager (dead, or drained).",
      ],
    ] as const
  ).map(([kind, name, help]) => [kind as ClusterEventKind, new Counter({ name, help, registers: [registry] })]),
);

const bus = new Counter({
  name: "roomgate_manager_bus_messages_total",
  help: "Messages on the bus between Managers (commands for a server another Manager holds, and open acks), by direction (sent, received).",
  labelNames: ["direction"] as const,
  registers: [registry],
});
// Created once here so that both directions are exported from the start (rate() needs a zero).
for (const direction of ["sent", "received"]) bus.inc({ direction }, 0);

/** Times one allocation and counts it by result. */
export async function measuredAllocation<T extends { created: boolean }>(allocate: () => Promise<T>): Promise<T> {
  const end = allocationSeconds.startTimer();
  try {
    const r = await allocate();
    allocations.inc({ result: r.created ? "created" : "existing" });
    return r;
  } catch (e) {
    allocations.inc({ result: e instanceof ManagerError ? e.reason : "error" });
    throw e;
  } finally {
    end();
  }
}

/** A cluster event this Manager published. */
export function countEvent(kind: ClusterEventKind) {
  EVENT_COUNTERS.get(kind)?.inc();
}

export function countBus(direction: "sent" | "received") {
  bus.inc({ direction });
}

// Scrape-time cluster gauges: the store of the first Manager started in this process.
const sources: Source[] = [];
const STATES = [GameServerState.LIVE, GameServerState.SUSPECT, GameServerState.DRAINING];

type Fleet = { list: GameServer[]; placed: number; opening: number; moving: number; seats: number; players: number };
type Source = Pick<ServerRegistry, "listServers"> & Pick<Rooms, "countRooms">;

// The gauges of one scrape are collected concurrently (all start in the same tick): they share
// the one read of the store in flight.
let inFlight: Promise<Fleet | undefined> | undefined;
function fleetNow(): Promise<Fleet | undefined> {
  inFlight ??= readFleet().finally(() => {
    inFlight = undefined;
  });
  return inFlight;
}

async function readFleet(): Promise<Fleet | undefined> {
  const source = sources[0];
  if (!source) return undefined;
  try {
    const [list, { opening, moving }] = await Promise.all([source.listServers(), source.countRooms()]);
    let placed = 0;
    let seats = 0;
    let players = 0;
    for (const g of list) {
      placed += g.reservedRooms;
      seats += g.reservedSeats;
      players += g.players;
    }
    return { list, placed, opening, moving, seats, players };
  } catch {
    return undefined; // the store does not answer: no value rather than a stale one
  }
}

/** A gauge filled from the scrape's one read of the fleet; it has no value while the store does not answer. */
function fleetGauge(name: string, help: string, fill: (g: Gauge, f: Fleet) => void, labelNames: string[] = []) {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      const fleet = await fleetNow();
      this.reset();
      if (fleet) fill(this, fleet);
    },
  });
}

fleetGauge(
  "roomgate_servers",
  "Game servers in the store by state (live, suspect, draining); read at scrape time.",
  (g, f) => {
    for (const s of STATES) g.set({ state: GameServerState[s].toLowerCase() }, 0);
    for (const s of f.list) g.inc({ state: (GameServerState[s.state] ?? "unspecified").toLowerCase() });
  },
  ["state"],
);
fleetGauge(
  "roomgate_rooms",
  "Rooms by state at scrape time: opening (placed, not confirmed), open (the rooms reserved on servers less the opening ones), moving (waiting for, or opening on, a new server).",
  (g, f) => {
    g.set({ state: "opening" }, f.opening);
    g.set({ state: "open" }, Math.max(0, f.placed - f.opening));
    g.set({ state: "moving" }, f.moving);
  },
  ["state"],
);
fleetGauge(
  "roomgate_seats_reserved",
  "Seats reserved on game servers by their rooms (max_players each), at scrape time.",
  (g, f) => g.set(f.seats),
);
fleetGauge("roomgate_players", "Players connected, as the game servers last reported them, at scrape time.", (g, f) =>
  g.set(f.players),
);

/** Lets the cluster gauges read this store; returns the removal (on close). */
export function exportClusterGauges(store: Source): () => void {
  sources.push(store);
  return () => {
    const i = sources.indexOf(store);
    if (i >= 0) sources.splice(i, 1);
  };
}
