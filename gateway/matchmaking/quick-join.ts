// Quick-join: a seat in a matching public room, or else a new room made by one player at a time.

import { createHash } from "node:crypto";
import { type Room, RoomState } from "../../gen/roomgate/v1/common_pb.js";
import { ClusterEventKind } from "../../gen/roomgate/v1/gateway_pb.js";
import { canonicalLabels, type Holder, type Labels, type OverCap } from "../../common/store/store.js";
import type { MatchStore } from "./dependencies.js";
import { storeCall } from "./errors.js";
import { untilOpen, Wakeup } from "./room-events.js";

/** Which public rooms a player may fill. */
export interface QuickJoinAsk {
  playerId: string;
  mode: string;
  maxPlayers: number;
  labels: Labels;
  /** Regions to look in, best first; empty for any. */
  regions: string[];
  /** Who the held seat counts against (see common/store/caps.ts). */
  holder?: Holder;
}

export interface QuickJoinOptions {
  store: MatchStore;
  now: () => number;
  /** How long a seat is held for its player: the join token's lifetime. */
  holdMs: number;
  /** How long a player waits for a room another player is creating, or for a found room to open. */
  openWaitMs: number;
  /** The error for a player whose caller is at its cap of unused seats. */
  overCap: (o: OverCap) => Error;
}

/**
 * A held seat in a matching public room; when none has one, `create` makes a room (created: true).
 * Players who find no seat take turns (a store lease) to create one, so a burst of them fills one
 * room rather than each making its own: the others wait for it and take its seats while it opens.
 * After openWaitMs a player stops waiting for its turn and creates a room anyway.
 */
export async function seatOrCreate(
  o: QuickJoinOptions,
  ask: QuickJoinAsk,
  create: () => Promise<Room>,
): Promise<{ room: Room; created: boolean }> {
  const deadline = o.now() + o.openWaitMs;
  const turn = `quickjoin:${createHash("sha1")
    .update(JSON.stringify([ask.mode, ask.maxPlayers, canonicalLabels(ask.labels), ask.regions]))
    .digest("hex")}`;
  let wakeup: Wakeup | undefined;
  try {
    for (;;) {
      const room = await quickSeat(o, ask);
      if (room) return { room, created: false };
      const mine =
        o.now() >= deadline ||
        (await storeCall(() =>
          o.store.acquireLease({ name: turn, owner: ask.playerId, nowMs: o.now(), ttlMs: o.openWaitMs }),
        ));
      if (mine) {
        try {
          return { room: await create(), created: true };
        } finally {
          await o.store
            .acquireLease({ name: turn, owner: ask.playerId, nowMs: o.now(), ttlMs: 0 })
            .catch(() => undefined);
        }
      }
      // Someone else is creating one: look again once any room opens (or soon anyway).
      if (!wakeup)
        wakeup = await storeCall(() => Wakeup.on(o.store, (e) => e.kind === ClusterEventKind.ROOM_ALLOCATED));
      else await wakeup.next(Math.min(250, deadline - o.now()));
    }
  } finally {
    wakeup?.close();
  }
}

/** A held seat in a matching public room, waiting for it to open if it is still opening. */
async function quickSeat(o: QuickJoinOptions, ask: QuickJoinAsk): Promise<Room | undefined> {
  const untilMs = o.now() + o.holdMs;
  const joined = await storeCall(() => o.store.joinPublic({ ...ask, untilMs, nowMs: o.now() }));
  if (joined.kind === "over_cap") throw o.overCap(joined);
  if (joined.kind === "none" || joined.room.state === RoomState.OPEN)
    return joined.kind === "held" ? joined.room : undefined;
  // The seat is held already (the store keeps it as it is), so the caps see nothing new.
  const hold = (roomId: string) =>
    storeCall(() =>
      o.store.holdSeat({ roomId, playerId: ask.playerId, untilMs, nowMs: o.now(), rejoin: false, holder: ask.holder }),
    );
  // An OPENING room whose server opens it on the first join token is promised: the seat is good now.
  const promised = await hold(joined.room.roomId);
  if (promised.kind === "held") return promised.room;
  // Any other's server is known once it is open. A room that failed to open took its seats with it.
  const opened = await storeCall(() => untilOpen(o.store, joined.room.roomId, o.openWaitMs));
  const held = opened && (await hold(opened.roomId));
  return held && held.kind === "held" ? held.room : undefined;
}
