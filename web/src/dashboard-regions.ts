import { type GameServer, GameServerState } from "../../gen/roomgate/v1/common_pb.js";
import type { GatewayActivity } from "../../gen/roomgate/v1/gateway_pb.js";
import { byTestId, h, replaceChildren, setText } from "./dom.js";

// Where the fleet is (regions, and the zones inside them, from the servers' registrations) and
// what players ask of the Gateway this page is connected to (quick-joins and listings).

interface Zone {
  servers: number;
}
interface Region {
  name: string;
  zones: Map<string, Zone>;
  servers: number;
  live: number;
  rooms: number;
  slots: number;
  players: number;
}

export class RegionsView {
  private readonly body = byTestId("regions");
  private readonly count = byTestId("region-count");

  render(servers: GameServer[]) {
    const regions = new Map<string, Region>();
    for (const s of servers) {
      const name = s.region || "";
      let r = regions.get(name);
      if (!r) regions.set(name, (r = { name, zones: new Map(), servers: 0, live: 0, rooms: 0, slots: 0, players: 0 }));
      r.servers++;
      if (s.state === GameServerState.LIVE) r.live++;
      r.rooms += s.reservedRooms;
      r.slots += s.maxRooms;
      r.players += s.players;
      const zone = r.zones.get(s.zone) ?? { servers: 0 };
      zone.servers++;
      r.zones.set(s.zone, zone);
    }
    const sorted = [...regions.values()].sort((a, b) => a.name.localeCompare(b.name));
    replaceChildren(this.body, ...sorted.map(regionRow));
    setText(this.count, String(regions.size));
  }
}

function regionRow(r: Region): HTMLElement {
  const zones = [...r.zones].sort(([a], [b]) => a.localeCompare(b));
  return h(
    "tr",
    { "data-testid": "region-row", "data-region": r.name },
    h("td", { class: "strong" }, r.name || h("span", { class: "sub" }, "no region")),
    h(
      "td",
      { "data-testid": "region-zones" },
      ...zones.map(([zone, z]) =>
        h(
          "span",
          { class: "chip", "data-testid": "zone", "data-zone": zone, title: `${z.servers} server(s)` },
          zone || "no zone",
          h("span", { class: "of" }, ` ×${z.servers}`),
        ),
      ),
    ),
    h(
      "td",
      { class: "num", "data-testid": "region-servers" },
      `${r.live}`,
      h("span", { class: "of" }, r.live < r.servers ? ` live of ${r.servers}` : " live"),
    ),
    h("td", { class: "num", "data-testid": "region-rooms" }, `${r.rooms}`, h("span", { class: "of" }, ` / ${r.slots}`)),
    h("td", { class: "num", "data-testid": "region-players" }, String(r.players)),
  );
}

export class ActivityView {
  private readonly scope = byTestId("activity-scope");
  private readonly sub = byTestId("activity-sub");
  private readonly fields = {
    joined: byTestId("activity-joined"),
    created: byTestId("activity-created"),
    failed: byTestId("activity-failed"),
    listings: byTestId("activity-listings"),
  };

  render(a: GatewayActivity | undefined) {
    if (!a) return;
    setText(this.scope, `last ${Math.round(a.windowMs / 1000)} s`);
    setText(this.fields.joined, String(a.quickJoinsJoined));
    setText(this.fields.created, String(a.quickJoinsCreated));
    setText(this.fields.failed, String(a.quickJoinsFailed));
    setText(this.fields.listings, String(a.listings));
    this.fields.failed.classList.toggle("late", a.quickJoinsFailed > 0);
    setText(
      this.sub,
      `JoinOrCreate and ListRooms answered by this Gateway${a.region ? ` (${a.region})` : ""}; listings returned ${a.roomsListed} room${a.roomsListed === 1 ? "" : "s"}. Each Gateway counts its own.`,
    );
  }
}
