// Who gets which bytes: a room's state to its players, at most one patch each per flush, then
// the messages queued since. Without a visibility rule every player has the same view, so one
// mirror diffs the state once and the same patch bytes go to all; with one, each player has a
// mirror of their own view, and only that view is ever encoded for them.
import { encodeWith, writeValue } from "@roomgate/client/protocol/sync/values";
import { FRAME, Writer } from "@roomgate/client/protocol/sync/wire";
import { Mirror } from "./sync/mirror.js";
import type { Player } from "./types.js";

/** A message frame: FRAME.message, then the value. Throws UnsupportedValueError for what cannot be sent. */
export function encodeMessage(message: unknown): Uint8Array {
  return encodeWith((w) => {
    w.u8(FRAME.message);
    writeValue(w, message);
  });
}

export interface Seat {
  readonly player: Player;
  /** What this player has, when a visibility rule gives each player a view of their own. */
  readonly mirror?: Mirror;
}

type Outgoing = { to?: string; except?: string; bytes: Uint8Array };

/** Where a room's frames go: to one player, or the same bytes to every seated player but one. */
export interface Delivery {
  one(playerId: string, frame: Uint8Array): void;
  all(frame: Uint8Array, exceptPlayerId?: string): void;
}

export class RoomSync {
  readonly seats = new Map<string, Seat>();
  private readonly shared?: Mirror;
  private readonly writer = new Writer(1024);
  private readonly outbox: Outgoing[] = [];

  constructor(
    private readonly float32: boolean,
    private readonly visibility: ((state: never, player: Player) => unknown) | undefined,
    private readonly deliver: Delivery,
  ) {
    if (!visibility) this.shared = new Mirror(float32);
  }

  seat(player: Player): Seat {
    const seat: Seat = { player, mirror: this.shared ? undefined : new Mirror(this.float32) };
    this.seats.set(player.id, seat);
    return seat;
  }

  /**
   * The full frame a joining player starts from. With one shared view it is what everyone has
   * (the last flush), so the next patch applies to it; with a view per player it is their view now.
   */
  sendFull(seat: Seat, state: unknown): void {
    const w = this.writer;
    if (seat.mirror) {
      seat.mirror.diff(this.visibility!(state as never, seat.player), w);
      seat.mirror.full(w);
    } else {
      this.shared!.full(w);
    }
    this.deliver.one(seat.player.id, w.finish());
  }

  /** Encodes now (a value that cannot be sent throws in the hook that sent it); delivered at the next flush. */
  queue(out: { to?: string; except?: string; message: unknown }): void {
    this.outbox.push({ to: out.to, except: out.except, bytes: encodeMessage(out.message) });
  }

  /** The state's changes to every player (one patch each at most; none when nothing changed), then the queued messages. */
  flush(state: unknown): void {
    const w = this.writer;
    if (this.shared) {
      if (this.shared.diff(state, w) && this.seats.size > 0) this.deliver.all(w.finish());
    } else {
      for (const seat of this.seats.values()) {
        if (seat.mirror!.diff(this.visibility!(state as never, seat.player), w))
          this.deliver.one(seat.player.id, w.finish());
      }
    }
    for (const out of this.outbox) {
      if (out.to !== undefined) {
        if (this.seats.has(out.to)) this.deliver.one(out.to, out.bytes);
      } else if (this.seats.size > (out.except !== undefined && this.seats.has(out.except) ? 1 : 0)) {
        this.deliver.all(out.bytes, out.except);
      }
    }
    this.outbox.length = 0;
  }

  clear(): void {
    this.seats.clear();
    this.outbox.length = 0;
  }
}
