import { Counter, Gauge } from "prom-client";
import { ErrorCode } from "../gen/roomgate/v1/room_pb.js";
import { refusals } from "../common/metrics/refusals.js";
import { registry } from "../common/metrics/registry.js";

// A game server's metrics. Frames are its hot path (issue 14 budgets CPU per room), so a frame
// costs two increments of plain numbers here: no labels, no allocation. The counters and gauges
// read these tallies, and the rooms and players of every server in this process, at scrape time.

export const ws = { opened: 0, open: 0, framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0 };

/** What a game server in this process contributes to the gauges. */
export interface ServerStats {
  readonly stats: { rooms: number; players: number };
}
const servers = new Set<ServerStats>();

/** Counts this server's rooms and players in the gauges until the returned removal is called. */
export function exportServerStats(s: ServerStats): () => void {
  servers.add(s);
  return () => servers.delete(s);
}

/** A frame refused with this error code, by reason. */
export function countFrameRefusal(code: ErrorCode) {
  if (code === ErrorCode.RATE_LIMITED) refusals.gameserver.rate_limit++;
  else if (code === ErrorCode.STATE_LIMIT || code === ErrorCode.NOT_OWNER) refusals.gameserver.state++;
  else refusals.gameserver.validation++;
}

function tallied(name: string, help: string, read: () => number) {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

tallied(
  "roomgate_ws_connections_total",
  "WebSocket connections accepted (join token valid, room admitted).",
  () => ws.opened,
);
tallied("roomgate_ws_frames_received_total", "WebSocket frames received from players.", () => ws.framesIn);
tallied(
  "roomgate_ws_received_bytes_total",
  "Payload bytes of the WebSocket frames received from players.",
  () => ws.bytesIn,
);
tallied("roomgate_ws_frames_sent_total", "WebSocket frames sent to players.", () => ws.framesOut);
tallied("roomgate_ws_sent_bytes_total", "Payload bytes of the WebSocket frames sent to players.", () => ws.bytesOut);

/** Times this process's game servers lost their fencing lease, and the rooms that stopped then. */
export const fencing = { fences: 0, rooms: 0 };
/** Load reports this process's game servers wrote to the store themselves (load-writer.ts), and the writes that failed. */
export const loadReports = { written: 0, failed: 0 };

const LIVENESS: [name: string, help: string, read: () => number][] = [
  [
    "roomgate_gameserver_fences_total",
    "Times a game server lost its fencing lease (no Manager confirmed it in time) and stopped its rooms before they could be moved.",
    () => fencing.fences,
  ],
  [
    "roomgate_gameserver_fenced_rooms_total",
    "Rooms stopped by a fence; their players were sent back through the Gateway (4002).",
    () => fencing.rooms,
  ],
  [
    "roomgate_gameserver_load_reports_written_total",
    "Load reports a game server wrote to the store itself (WRITE_LOAD_REPORTS), failed writes included.",
    () => loadReports.written,
  ],
  [
    "roomgate_gameserver_load_report_write_failures_total",
    "Load report writes to the store that failed: that report, and the next until the Manager recorded one, went to the Manager.",
    () => loadReports.failed,
  ],
];
for (const [name, help, read] of LIVENESS) tallied(name, help, read);

function sampled(name: string, help: string, read: () => number) {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

sampled("roomgate_ws_connections", "WebSocket connections open now.", () => ws.open);
sampled("roomgate_gameserver_rooms", "Rooms running on this process's game servers.", () => {
  let n = 0;
  for (const s of servers) n += s.stats.rooms;
  return n;
});
sampled("roomgate_gameserver_players", "Players in rooms on this process's game servers.", () => {
  let n = 0;
  for (const s of servers) n += s.stats.players;
  return n;
});

/** Room logic by room type: CPU time in its hooks, sync and encoding, ticks run and ticks over budget. */
const logic = new Map<string, { cpuMs: number; ticks: number; overruns: number }>();

/** Adds what a logic room of `type` spent since it last counted. */
export function countLogic(type: string, cpuMs: number, ticks: number, overruns: number) {
  let t = logic.get(type);
  if (!t) logic.set(type, (t = { cpuMs: 0, ticks: 0, overruns: 0 }));
  t.cpuMs += cpuMs;
  t.ticks += ticks;
  t.overruns += overruns;
}

function byRoomType(
  name: string,
  help: string,
  read: (t: { cpuMs: number; ticks: number; overruns: number }) => number,
) {
  new Counter({
    name,
    help,
    labelNames: ["room_type"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [type, t] of logic) this.inc({ room_type: type }, read(t));
    },
  });
}

byRoomType(
  "roomgate_room_logic_cpu_seconds_total",
  "Time rooms of a logic type spent in their hooks, state sync and encoding (wall time while the room runs).",
  (t) => t.cpuMs / 1000,
);
byRoomType("roomgate_room_logic_ticks_total", "Ticks rooms of a logic type ran.", (t) => t.ticks);
byRoomType(
  "roomgate_room_logic_tick_overruns_total",
  "Ticks of rooms of a logic type that took longer than their tick budget.",
  (t) => t.overruns,
);
