import { timestampMs } from "@bufbuild/protobuf/wkt";
import { type Room, RoomState, RoomVisibility } from "../../gen/roomgate/v1/common_pb.js";
import { isRelay, roomTypeOf } from "../../common/room-type.js";
import { byTestId, h, replaceChildren, setText } from "./dom.js";
import { formatAge, percent } from "./format.js";

// The rooms table: each room with its type, whether it is public (and its mode), where it runs,
// its seats, the CPU its logic uses and its age. Moving rooms (a migration in flight) first.

const STATE: Partial<Record<RoomState, string>> = {
  [RoomState.OPENING]: "opening",
  [RoomState.MOVING]: "moving",
};

export class RoomsView {
  private readonly rooms = byTestId("rooms");
  private readonly empty = byTestId("rooms-empty");
  private readonly count = byTestId("room-count");
  private readonly more = byTestId("rooms-more");

  render(rooms: Room[], total: number, now: number) {
    const moving = (r: Room) => (r.state === RoomState.MOVING ? 0 : 1);
    const sorted = [...rooms].sort(
      (a, b) => moving(a) - moving(b) || createdMs(b) - createdMs(a) || a.roomId.localeCompare(b.roomId),
    );
    replaceChildren(this.rooms, ...sorted.map((r) => roomRow(r, now)));
    this.empty.hidden = total > 0;
    setText(this.count, String(total));
    setText(this.more, total > rooms.length ? `newest ${rooms.length} shown` : "");
  }
}

function roomRow(r: Room, now: number): HTMLElement {
  const created = createdMs(r);
  const type = roomTypeOf(r.labels);
  const state = STATE[r.state];
  const isPublic = r.visibility === RoomVisibility.PUBLIC;
  return h(
    "tr",
    {
      "data-testid": "room-row",
      "data-room-id": r.roomId || undefined,
      "data-server-id": r.serverId,
      "data-room-type": type,
      "data-state": state ?? "open",
    },
    // The Gateway never sends a private room's id: it would be all anyone needs to join.
    h(
      "td",
      {},
      r.roomId
        ? h("span", { class: "mono strong", "data-testid": "room-id" }, r.roomId)
        : h(
            "span",
            { class: "sub", "data-testid": "room-id", title: "private rooms are listed without their id" },
            "private",
          ),
      state ? h("span", { class: `badge ${state}`, "data-testid": "room-state" }, state) : null,
      r.migrations > 0
        ? h("span", { class: "sub", "data-testid": "room-migrations" }, ` moved ${r.migrations}×`)
        : null,
    ),
    h(
      "td",
      { "data-testid": "room-kind" },
      h("span", { class: isRelay(type) ? "chip" : "chip type", "data-testid": "room-type" }, type),
      isPublic
        ? h("span", { class: "chip public", "data-testid": "room-public" }, r.mode ? `public · ${r.mode}` : "public")
        : null,
    ),
    h(
      "td",
      { class: "mono", "data-testid": "room-server" },
      // A moving room keeps its old server's region and zone until it lands: not worth showing.
      r.serverId || h("span", { class: "sub" }, "waiting for a server"),
      r.serverId && r.region ? h("span", { class: "sub opt" }, ` · ${r.region}${r.zone ? `/${r.zone}` : ""}`) : null,
    ),
    h(
      "td",
      { class: "num", "data-testid": "room-players" },
      h("span", { class: "seats-bar", style: `--fill: ${percent(r.playerCount, r.maxPlayers)}%` }),
      `${r.playerCount}`,
      h("span", { class: "of" }, ` / ${r.maxPlayers}`),
    ),
    cpuCell(r, type),
    h("td", { class: "num sub opt" }, created ? formatAge(now - created) : "–"),
  );
}

/** A logic room's share of a core now, and its CPU time on this server in all; relay rooms run no logic. */
function cpuCell(r: Room, type: string): HTMLElement {
  // A room waiting for a server runs nowhere: its last figures were its dead server's.
  if (isRelay(type) || !r.serverId) return h("td", { class: "num sub opt", "data-testid": "room-cpu" }, "–");
  return h(
    "td",
    {
      class: "num opt",
      "data-testid": "room-cpu",
      "data-cpu-seconds": r.cpuSeconds.toFixed(6),
      title: `${(r.cpuSeconds * 1000).toFixed(1)} ms of CPU on ${r.serverId || "its last server"}`,
    },
    `${(r.cpuLoad * 100).toFixed(r.cpuLoad < 0.1 ? 1 : 0)} %`,
    h("span", { class: "of" }, ` · ${formatCpu(r.cpuSeconds)}`),
  );
}

function formatCpu(s: number): string {
  if (s < 1) return `${(s * 1000).toFixed(s < 0.01 ? 1 : 0)} ms`;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${(s / 60).toFixed(0)} min`;
}

function createdMs(r: Room): number {
  return r.createTime ? timestampMs(r.createTime) : 0;
}
