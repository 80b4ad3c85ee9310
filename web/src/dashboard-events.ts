import { timestampDate, timestampMs } from "@bufbuild/protobuf/wkt";
import { type ClusterEvent, ClusterEventKind } from "../../gen/roomgate/v1/gateway_pb.js";
import { byTestId, h } from "./dom.js";
import { formatClock } from "./format.js";

// The event log, newest first. The stream's first snapshot carries what the store kept of the
// last few minutes, later ones what happened since the previous one; after a reconnect the kept
// ones come again and those already listed are skipped. A note marks where the stream was down.

const KEEP = 200;

const KIND: Record<ClusterEventKind, { slug: string; label: string }> = {
  [ClusterEventKind.UNSPECIFIED]: { slug: "other", label: "event" },
  [ClusterEventKind.ROOM_ALLOCATED]: { slug: "room-allocated", label: "room allocated" },
  [ClusterEventKind.ROOM_REMOVED]: { slug: "room-removed", label: "room cleaned up" },
  [ClusterEventKind.SERVER_REGISTERED]: { slug: "server-registered", label: "server joined" },
  [ClusterEventKind.SERVER_SUSPECT]: { slug: "server-suspect", label: "server suspect" },
  [ClusterEventKind.SERVER_REMOVED]: { slug: "server-removed", label: "server gone" },
  [ClusterEventKind.ROOM_MIGRATED]: { slug: "room-migrated", label: "room moved" },
  [ClusterEventKind.ROOM_LOST]: { slug: "room-lost", label: "room lost" },
  [ClusterEventKind.SERVER_DRAINING]: { slug: "server-draining", label: "server draining" },
};

export class EventLog {
  private readonly list = byTestId("events");
  private readonly empty = byTestId("events-empty");
  /** The events listed, by what makes one the same as another (every field). */
  private readonly listed = new Set<string>();

  add(events: ClusterEvent[]) {
    // Oldest first in a snapshot, so prepending one by one leaves the newest on top.
    for (const e of events) {
      const key = sameness(e);
      if (this.listed.has(key)) continue;
      this.listed.add(key);
      this.insert(eventItem(e, key), e.time ? timestampMs(e.time) : Date.now());
    }
    this.trim();
  }

  note(text: string) {
    this.insert(
      h(
        "li",
        { class: "event note", "data-testid": "event", "data-kind": "note" },
        h("time", {}, formatClock(new Date())),
        h("span", { class: "event-text" }, text),
      ),
      Date.now(),
    );
    this.trim();
  }

  /** Newest first: above the first one listed that is not newer (kept events from after a break land where they belong). */
  private insert(li: HTMLElement, atMs: number) {
    li.dataset.ms = String(atMs);
    let before: Element | null = this.list.firstElementChild;
    while (before && Number((before as HTMLElement).dataset.ms) > atMs) before = before.nextElementSibling;
    this.list.insertBefore(li, before);
    this.empty.hidden = true;
  }

  private trim() {
    while (this.list.children.length > KEEP) {
      const last = this.list.lastElementChild as HTMLElement | null;
      if (!last) break;
      if (last.dataset.key) this.listed.delete(last.dataset.key);
      last.remove();
    }
  }
}

function sameness(e: ClusterEvent): string {
  return [e.time ? `${e.time.seconds}.${e.time.nanos}` : "", e.kind, e.roomId, e.serverId, e.detail].join("\u0000");
}

function eventItem(e: ClusterEvent, key: string): HTMLElement {
  const kind = KIND[e.kind] ?? KIND[ClusterEventKind.UNSPECIFIED];
  const when = e.time ? timestampDate(e.time) : new Date();
  return h(
    "li",
    {
      class: `event ${kind.slug}`,
      "data-testid": "event",
      "data-kind": kind.slug,
      "data-room-id": e.roomId || undefined,
      "data-server-id": e.serverId || undefined,
      "data-key": key,
    },
    h("time", { datetime: when.toISOString() }, formatClock(when)),
    h("span", { class: `badge ${kind.slug}` }, kind.label),
    h("span", { class: "event-text" }, ...describe(e)),
  );
}

function describe(e: ClusterEvent): (Node | string)[] {
  const isRoom = [ClusterEventKind.ROOM_ALLOCATED, ClusterEventKind.ROOM_REMOVED].includes(e.kind);
  // A room the Gateway did not see public comes without its id.
  const room = e.roomId
    ? h("span", { class: "mono strong" }, e.roomId)
    : isRoom
      ? h("span", { class: "sub" }, "a private room")
      : undefined;
  const server = e.serverId ? h("span", { class: "mono" }, e.serverId) : undefined;
  const detail = e.detail ? h("span", { class: "sub" }, ` (${e.detail})`) : undefined;
  const parts: (Node | string | undefined)[] =
    e.kind === ClusterEventKind.ROOM_ALLOCATED
      ? [room, " on ", server, detail]
      : e.kind === ClusterEventKind.ROOM_REMOVED
        ? [room, " from ", server, detail]
        : e.kind === ClusterEventKind.ROOM_MIGRATED && e.roomId
          ? [room, " to ", server, detail]
          : [server ?? room, detail];
  return parts.filter((p): p is Node | string => p !== undefined);
}
