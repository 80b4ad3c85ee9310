import { timestampMs } from "@bufbuild/protobuf/wkt";
import { type GameServer, GameServerState, RoomVisibility } from "../../gen/roomgate/v1/common_pb.js";
import type { WatchClusterResponse } from "../../gen/roomgate/v1/gateway_pb.js";
import { RELAY, roomTypeLabel } from "../../common/room-type.js";
import { ActivityView, RegionsView } from "./dashboard-regions.js";
import { RoomsView } from "./dashboard-rooms.js";
import { byTestId, h, replaceChildren, setText } from "./dom.js";
import { formatAge, percent } from "./format.js";

// Totals, regions, game servers, rooms and this Gateway's activity from one snapshot. Every
// snapshot is complete, so each render starts from scratch; at a few hundred rows a second that is
// cheaper than it sounds.

const STATE_NAME: Record<GameServerState, string> = {
  [GameServerState.UNSPECIFIED]: "unknown",
  [GameServerState.LIVE]: "live",
  [GameServerState.SUSPECT]: "suspect",
  [GameServerState.DRAINING]: "draining",
};

export class ClusterView {
  private readonly servers = byTestId("servers");
  private readonly serversEmpty = byTestId("servers-empty");
  private readonly serverCount = byTestId("server-count");
  private readonly rooms = new RoomsView();
  private readonly regions = new RegionsView();
  private readonly activity = new ActivityView();
  private readonly totals = {
    servers: byTestId("total-servers"),
    serversSub: byTestId("total-servers-sub"),
    rooms: byTestId("total-rooms"),
    roomsSub: byTestId("total-rooms-sub"),
    players: byTestId("total-players"),
    seats: byTestId("total-seats"),
    seatsSub: byTestId("total-seats-sub"),
    public: byTestId("total-public"),
    publicSub: byTestId("total-public-sub"),
    moving: byTestId("total-moving"),
  };

  render(res: WatchClusterResponse) {
    // Ages are measured on the Gateway's clock, which stamped both times.
    const now = res.time ? timestampMs(res.time) : Date.now();
    this.renderTotals(res);
    this.regions.render(res.servers);
    this.activity.render(res.activity);
    this.renderServers(res.servers, now);
    this.rooms.render(res.rooms, res.totalRooms, now);
  }

  private renderTotals(res: WatchClusterResponse) {
    const live = res.servers.filter((s) => s.state === GameServerState.LIVE).length;
    const roomSlots = sum(res.servers, (s) => s.maxRooms);
    const seats = sum(res.servers, (s) => s.reservedSeats);
    const seatsMax = sum(res.servers, (s) => s.maxPlayers);
    setText(this.totals.servers, String(res.servers.length));
    setText(
      this.totals.serversSub,
      `${live} live${res.servers.length > live ? `, ${res.servers.length - live} not taking rooms` : ""}`,
    );
    setText(this.totals.rooms, String(res.totalRooms));
    setText(this.totals.roomsSub, `of ${roomSlots} room slots`);
    setText(this.totals.players, String(res.totalPlayers));
    setText(this.totals.seats, String(seats));
    setText(
      this.totals.seatsSub,
      `of ${seatsMax} (${percent(seats, seatsMax).toFixed(seatsMax > 0 && seats > 0 && seats * 100 < seatsMax ? 1 : 0)} %)`,
    );
    // Of the rooms listed (all of them, up to the Gateway's listing limit).
    const open = res.rooms.filter((r) => r.visibility === RoomVisibility.PUBLIC);
    const modes = new Map<string, number>();
    for (const r of open) modes.set(r.mode || "no mode", (modes.get(r.mode || "no mode") ?? 0) + 1);
    setText(this.totals.public, String(open.length));
    setText(
      this.totals.publicSub,
      modes.size === 0
        ? "none listed"
        : [...modes]
            .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
            .map(([m, n]) => `${m} ${n}`)
            .join(", "),
    );
    setText(this.totals.moving, String(res.roomsMoving));
    this.totals.moving.classList.toggle("late", res.roomsMoving > 0);
  }

  private renderServers(servers: GameServer[], now: number) {
    const sorted = [...servers].sort((a, b) => a.region.localeCompare(b.region) || a.id.localeCompare(b.id));
    replaceChildren(this.servers, ...sorted.map((s) => serverRow(s, now)));
    this.serversEmpty.hidden = servers.length > 0;
    setText(this.serverCount, String(servers.length));
  }
}

function serverRow(s: GameServer, now: number): HTMLElement {
  const state = STATE_NAME[s.state] ?? "unknown";
  const age = s.lastReportTime ? now - timestampMs(s.lastReportTime) : NaN;
  // Late by more than two promised reports: worth a look before the Manager declares it dead.
  const late = !(age <= 2 * Math.max(s.reportIntervalMs, 500));
  return h(
    "tr",
    { "data-testid": "server-row", "data-server-id": s.id, "data-state": state },
    h("td", {}, h("div", { class: "mono strong" }, s.id), h("div", { class: "sub mono opt" }, s.address)),
    h(
      "td",
      { class: "opt labels" },
      h(
        "div",
        { "data-testid": "server-region" },
        s.region || "–",
        s.zone ? h("span", { class: "sub" }, ` · ${s.zone}`) : null,
      ),
      h("div", { "data-testid": "server-labels" }, ...labelChips(s)),
    ),
    h("td", {}, h("span", { class: `badge ${state}` }, state)),
    h(
      "td",
      { class: "num opt", "data-testid": "server-rooms" },
      `${s.reservedRooms}`,
      h("span", { class: "of" }, ` / ${s.maxRooms}`),
    ),
    h(
      "td",
      { class: "num opt", "data-testid": "server-seats" },
      `${s.reservedSeats}`,
      h("span", { class: "of" }, ` / ${s.maxPlayers}`),
    ),
    h("td", { class: "num", "data-testid": "server-players" }, String(s.players)),
    h("td", { class: late ? "num opt late" : "num opt", "data-testid": "server-report-age" }, formatAge(age)),
    h("td", { class: "load-col" }, loadBar(s)),
  );
}

/** Reserved capacity (whichever of room slots and seats is fuller: that one limits the server), with seats filled over it. */
function loadBar(s: GameServer): HTMLElement {
  const roomsPct = percent(s.reservedRooms, s.maxRooms);
  const seatsPct = percent(s.reservedSeats, s.maxPlayers);
  const playersPct = percent(s.players, s.maxPlayers);
  const load = Math.max(roomsPct, seatsPct);
  const title = `room slots ${roomsPct.toFixed(0)} %, seats reserved ${seatsPct.toFixed(0)} %, seats filled ${playersPct.toFixed(0)} %`;
  return h(
    "div",
    { class: "load-cell", title },
    h(
      "div",
      { class: "load", "data-testid": "server-load", "data-load": load.toFixed(1) },
      h("div", { class: `load-reserved ${load >= 90 ? "hot" : load >= 70 ? "warm" : ""}`, style: `width: ${load}%` }),
      h("div", { class: "load-players", style: `width: ${playersPct}%` }),
    ),
    h("span", { class: "load-pct" }, `${Math.round(load)} %`),
  );
}

/** The room types it runs (relay always; a logic type as its room-type label), then its other labels. */
function labelChips(s: GameServer): HTMLElement[] {
  const types = [RELAY];
  const labels: HTMLElement[] = [];
  const prefix = roomTypeLabel("");
  for (const [k, v] of Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b))) {
    if (k.startsWith(prefix)) types.push(k.slice(prefix.length));
    // The zone is shown beside the region already.
    else if (k !== "zone")
      labels.push(h("span", { class: "chip label", "data-testid": "server-label", "data-label": k }, `${k}=${v}`));
  }
  return [
    ...types.map((t) => h("span", { class: t === RELAY ? "chip" : "chip type", "data-testid": "server-type" }, t)),
    ...labels,
  ];
}

function sum<T>(items: T[], f: (t: T) => number): number {
  return items.reduce((n, t) => n + f(t), 0);
}
