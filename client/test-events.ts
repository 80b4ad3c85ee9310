import type { ConnectionState, Room, RoomEvents } from "./room.js";

// Test helpers: await a Room's events instead of sleeping. Subscribe before causing the event.

type Arg<E extends keyof RoomEvents> = Parameters<RoomEvents[E]>[0];

/** The first `event` (matching `match`, if given) from now on. */
export function nextEvent<E extends keyof RoomEvents>(room: Room, event: E, match: (a: Arg<E>) => boolean = () => true, timeoutMs = 15_000): Promise<Arg<E>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`room ${room.roomId}: no matching ${String(event)} event within ${timeoutMs} ms (state ${room.state})`));
    }, timeoutMs);
    const off = room.on(event, ((a: Arg<E>) => {
      if (!match(a)) return;
      clearTimeout(timer);
      off();
      resolve(a);
    }) as RoomEvents[E]);
  });
}

/** Everything a room emits from now on, in order, for assertions after the fact. */
export function record(room: Room) {
  const states: ConnectionState[] = [];
  const errors: Error[] = [];
  const messages: { fromPlayerId: string; payload: Uint8Array }[] = [];
  const offs = [room.on("state", (s) => states.push(s)), room.on("error", (e) => errors.push(e)), room.on("message", (m) => messages.push(m))];
  return { states, errors, messages, stop: () => offs.forEach((off) => off()) };
}

export const text = (s: string) => new TextEncoder().encode(s);
export const untext = (b: Uint8Array) => new TextDecoder().decode(b);
