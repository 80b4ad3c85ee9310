import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb.js";
import type { Logger } from "../common/log.js";
import type { Rooms, TokenOpenResult } from "../common/store/rooms.js";
import type { Seats } from "../common/store/seats.js";
import { RoomEventFanout, type RoomEvents } from "./room-events.js";

// A room opened here on its first join token is recorded in the store by this server, as its end
// is (room-cleanup.ts): the first token's use spends the token and records the room OPEN with its
// player seated, in one store call, and later seat counts are written here through the Manager's
// own guarded script. The Manager hears neither (`opened`, `players`): it would only have written
// what the store already has, so an older Manager needs nothing either. Rooms opened by open_room
// (restored ones above all: the Manager's finish-move records them) are left to the Manager, and so
// is a room whose write failed: its events go to the Manager from then on, as before.
//
// A room's writes never overtake each other: one is in flight at a time, and the counts that come
// meanwhile collapse into the newest (the players who joined meanwhile are kept as a set, as the
// script takes them). A late write to a room that ended or moved on finds the store's guard.

/** All this server writes of its rooms besides their removal (RoomCleanupStore). */
export type RoomRecordsStore = Pick<Rooms, "openRoomOnToken"> & Pick<Seats, "setRoomPlayers">;

/** What the records need of the RoomHost. */
export interface RecordedHost {
  readonly serverId: string;
  /** Fenced rooms are stopped: nothing is written for them any more. */
  readonly isFenced: boolean;
  closeRoom(roomId: string, reason: RoomCloseReason): void;
}

/** A first token's use: fresh (the player may join), spent (used before), or gone (the room is not this server's any more). */
export type FirstTokenOutcome = "fresh" | "spent" | "gone";

/** The seat count and who joined, written or still to write. */
interface Seating {
  count: number;
  joined: Set<string>;
}

interface Tracked {
  /** held: opened on a token, its `opened` waits here; opening: its first token is being written; written: the store has it OPEN. */
  phase: "held" | "opening" | "written";
  /** A write is in flight: counts that come meanwhile wait in `next`. */
  busy: boolean;
  next?: Seating;
  /** What the store has from the last write. */
  last?: Seating;
  /** The room closed while its first token was being written: its `closed` goes once that is settled. */
  closed?: () => void;
  /**
   * The first token's player, whom the first write seats in the store (its held seat taken) before
   * the player has joined here: until it has, every count this server writes includes it, or the
   * seat would show free in between (a count of the others written before its own join).
   */
  seated?: string;
}

export class RoomRecords implements RoomEvents {
  private readonly rooms = new Map<string, Tracked>();
  private readonly down = new RoomEventFanout();
  /** First-token writes in flight, for settled(). */
  private readonly opening = new Set<Promise<unknown>>();
  /** The last write failed (the store is down): one warning per outage, not one per room. */
  private failing = false;

  constructor(
    private readonly store: RoomRecordsStore,
    private readonly host: RecordedHost,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** From now on `listener` hears every room event this server does not record itself (the Manager link). */
  subscribe(listener: RoomEvents) {
    this.down.subscribe(listener);
  }

  /** Rooms recorded here (for tests). */
  get tracked(): number {
    return this.rooms.size;
  }

  opened(roomId: string, onToken = false) {
    if (!onToken || this.host.isFenced || this.rooms.has(roomId)) return this.down.opened(roomId, onToken);
    this.rooms.set(roomId, { phase: "held", busy: false });
  }

  /**
   * A join token's player is about to join `roomId`. For the first of a room opened here on a
   * token, the token's spend is the room's record: resolves once the store has both (rejects when
   * the store failed: the Manager then records the room, and the token was not spent, or not
   * known to be). A room the store no longer places here is closed (as the Manager would have
   * ordered). Undefined for any other token: spend it as usual.
   */
  firstToken(
    roomId: string,
    playerId: string,
    spend: { tokenId: string; untilMs: number; nowMs: number },
  ): Promise<FirstTokenOutcome> | undefined {
    const rec = this.rooms.get(roomId);
    if (rec?.phase !== "held" || this.host.isFenced) return undefined;
    rec.phase = "opening";
    rec.busy = true;
    rec.seated = playerId;
    const written = this.store
      .openRoomOnToken({ roomId, serverId: this.host.serverId, playerId, count: 1, ...spend })
      .then(
        (result) => this.firstWritten(roomId, rec, playerId, result),
        (e: unknown) => {
          this.toManager(roomId, rec, e);
          throw e;
        },
      )
      .finally(() => rec.closed?.());
    this.opening.add(written);
    void written.then(
      () => this.opening.delete(written),
      () => this.opening.delete(written),
    );
    return written;
  }

  private firstWritten(roomId: string, rec: Tracked, playerId: string, result: TokenOpenResult): FirstTokenOutcome {
    rec.busy = false;
    this.recovered();
    if (result !== "opened") unseat(rec);
    if (result === "gone") {
      this.rooms.delete(roomId);
      this.log.info("closing a room opened on a token that is no longer this server's", { roomId });
      this.host.closeRoom(roomId, RoomCloseReason.CLOSED_BY_MANAGER);
      return "gone";
    }
    if (result === "spent") {
      // Used before (this server restarted since, say): what the store has is not this use's to
      // say. The Manager records the room as it did before, and closes it if it is not ours.
      this.toManager(roomId, rec);
      return "spent";
    }
    this.log.debug("recorded a room opened on its first token", { roomId });
    rec.phase = "written";
    rec.last = { count: 1, joined: new Set([playerId]) };
    if (this.rooms.get(roomId) === rec) this.flush(roomId, rec);
    return "fresh";
  }

  players(roomId: string, count: number, joined?: string) {
    const rec = this.rooms.get(roomId);
    if (!rec) return this.down.players(roomId, count, joined);
    if (joined !== undefined && joined === rec.seated) rec.seated = undefined;
    const next = (rec.next ??= { count, joined: new Set() });
    next.count = count + (rec.seated === undefined ? 0 : 1);
    if (joined) next.joined.add(joined);
    // Seated without its first token written (no token of it reached the store first): the Manager records it.
    if (rec.phase === "held") return this.toManager(roomId, rec);
    if (!rec.busy) this.flush(roomId, rec);
  }

  /** The first token's player will not join after all (gone, or refused): counts are this server's own again. */
  unseated(roomId: string, playerId: string) {
    const rec = this.rooms.get(roomId);
    if (rec?.seated === playerId) unseat(rec);
  }

  closed(roomId: string, reason: RoomCloseReason, snapshot?: Uint8Array) {
    const rec = this.rooms.get(roomId);
    if (!rec) return this.down.closed(roomId, reason, snapshot);
    this.rooms.delete(roomId);
    const close = () => this.down.closed(roomId, reason, snapshot);
    // Its `closed` (a hand-over above all, which needs the room OPEN) must not overtake its opening.
    if (rec.phase === "opening") {
      rec.closed = () => {
        rec.closed = undefined;
        // A first write that failed made the Manager record the room: its `opened` went first.
        close();
      };
      return;
    }
    // Nobody's token got this far (or a full server hands the room straight over): the Manager
    // records it first. Not a fenced one: it moves from the store's record as it is.
    if (rec.phase === "held" && reason !== RoomCloseReason.FENCED) this.down.opened(roomId, true);
    close();
  }

  snapshot(roomId: string, bytes: Uint8Array) {
    this.down.snapshot(roomId, bytes);
  }

  /** Resolves once every first-token write started so far has an answer (each bounded by the store's command timeout). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.opening);
  }

  /** Writes the room's newest seat count, unless the store has it already. */
  private flush(roomId: string, rec: Tracked) {
    const next = rec.next;
    rec.next = undefined;
    if (!next || this.host.isFenced || sameSeating(next, rec.last)) return;
    rec.busy = true;
    const joinedPlayerIds = [...next.joined];
    this.store
      .setRoomPlayers({ roomId, serverId: this.host.serverId, count: next.count, joinedPlayerIds, nowMs: this.now() })
      .then(
        () => {
          rec.busy = false;
          this.recovered();
          this.log.debug("recorded a room's seat count", { roomId, count: next.count });
          rec.last = next;
          if (this.rooms.get(roomId) === rec) this.flush(roomId, rec);
        },
        (e: unknown) => {
          rec.busy = false;
          if (this.rooms.get(roomId) !== rec) return;
          // The unwritten count goes to the Manager, with whoever joined since; anything newer follows it.
          const newer = rec.next;
          rec.next = { count: newer?.count ?? next.count, joined: new Set([...next.joined, ...(newer?.joined ?? [])]) };
          this.toManager(roomId, rec, e);
        },
      );
  }

  /**
   * From now on the Manager records the room, as before: it hears the room's `opened` unless the
   * store has that, and the seat count not written yet, in order ahead of anything later.
   */
  private toManager(roomId: string, rec: Tracked, e?: unknown) {
    if (e !== undefined) {
      if (!this.failing)
        this.log.warn("could not record a room in the store; the Manager will", {
          roomId,
          error: e instanceof Error ? e.message : String(e),
        });
      this.failing = true;
    }
    const tracked = this.rooms.get(roomId) === rec;
    this.rooms.delete(roomId);
    // The Manager writes what this server tells it: its own counts.
    unseat(rec);
    if (rec.phase !== "written") this.down.opened(roomId, true);
    rec.phase = "written";
    const next = rec.next;
    rec.next = undefined;
    if (!tracked || !next) return;
    if (next.joined.size === 0) this.down.players(roomId, next.count);
    for (const id of next.joined) this.down.players(roomId, next.count, id);
  }

  private recovered() {
    if (this.failing) this.log.info("recording rooms in the store again");
    this.failing = false;
  }
}

/** The first token's player is no longer counted: off the count still to write, too. */
function unseat(rec: Tracked) {
  if (rec.seated === undefined) return;
  rec.seated = undefined;
  if (rec.next) rec.next.count = Math.max(0, rec.next.count - 1);
}

/** Whether writing `next` would change nothing the last write left (its players were taken off their held seats then). */
function sameSeating(next: Seating, last: Seating | undefined): boolean {
  if (!last || next.count !== last.count) return false;
  for (const id of next.joined) if (!last.joined.has(id)) return false;
  return true;
}
