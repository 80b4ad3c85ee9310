// The `ctx` every hook gets: a thin face over the runtime, so room code sees its state, players,
// clock and timers and can talk to players, and nothing of the host.
import type { Logger } from "../common/log.js";
import type { RoomSchedule } from "./schedule.js";
import type { AnyRoomDefinition, Player, RoomContext, RoomTimers } from "./types.js";

/** What a context needs of its room (the runtime). */
export interface ContextHost {
  readonly id: string;
  readonly type: string;
  readonly definition: AnyRoomDefinition;
  readonly schedule: RoomSchedule;
  readonly players: ReadonlyMap<string, Player>;
  readonly log: Logger;
  state: Record<string, unknown>;
  queue(out: { to?: string; except?: string; message: unknown }): void;
  requestClose(reason: string): void;
}

function checkDelay(ms: number, what: string): void {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`${what} must be a finite number of ms >= 0, not ${ms}`);
}

export function createContext(room: ContextHost): RoomContext<Record<string, unknown>> {
  const s = room.schedule;
  const handlerOf = (name: string) => {
    if (typeof room.definition.timers?.[name] !== "function") {
      throw new Error(`no timer handler "${name}": add it to the room definition's timers`);
    }
  };
  const timers: RoomTimers = {
    after(delayMs, name, data = null) {
      checkDelay(delayMs, "a timer's delay");
      handlerOf(name);
      return s.add(delayMs, 0, name, data);
    },
    every(intervalMs, name, data = null) {
      checkDelay(intervalMs, "a timer's interval");
      if (intervalMs === 0) throw new RangeError("a timer's interval must be above 0");
      handlerOf(name);
      return s.add(intervalMs, intervalMs, name, data);
    },
    cancel: (id) => s.cancel(id),
    cancelAll: (name) => s.cancelAll(name),
    list: () => s.timers.map(({ id, name, dueMs, everyMs }) => ({ id, name, dueMs, everyMs })),
  };
  const clock = {
    get now() {
      return s.now;
    },
    get tick() {
      return s.tick;
    },
  };
  return {
    roomId: room.id,
    type: room.type,
    get state() {
      return room.state;
    },
    set state(next) {
      room.state = next;
    },
    players: room.players,
    clock,
    timers,
    broadcast: (message, options) => room.queue({ except: options?.except, message }),
    send: (playerId, message) => room.queue({ to: playerId, message }),
    close: (reason) => room.requestClose(String(reason)),
    log: room.log,
  };
}
