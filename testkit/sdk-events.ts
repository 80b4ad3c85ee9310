import type { ConnectionState, Room, RoomEvents } from "@roomgate/client";
import { waitTimer } from "./wait-timer.js";

// Test helpers for the SDK: await a Room's events instead of sleeping. Subscribe before causing the event.

type Arg<E extends keyof RoomEvents> = Parameters<RoomEvents[E]>[0];

/** The first `event` (matching `match`, if given) from now on. */
export function nextEvent<E extends keyof RoomEvents>(
  room: Room,
  event: E,
  match: (a: Arg<E>) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<Arg<E>> {
  return new Promise((resolve, reject) => {
    const timer = waitTimer(() => {
      off();
      reject(
        new Error(
          `room ${room.roomId}: no matching ${String(event)} event within ${timeoutMs} ms (connection ${room.connection})`,
        ),
      );
    }, timeoutMs);
    const off = room.on(event, ((a: Arg<E>) => {
      if (!match(a)) return;
      clearTimeout(timer);
      off();
      resolve(a);
    }) as RoomEvents[E]);
  });
}

/** The next change of one shared-state key (matching `match`, if given): its value (undefined when deleted) and who made it. */
export function nextState(
  room: Room,
  key: string,
  match: (value: Uint8Array | undefined, from: string) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<{ value: Uint8Array | undefined; from: string }> {
  return new Promise((resolve, reject) => {
    const timer = waitTimer(() => {
      off();
      reject(
        new Error(
          `room ${room.roomId}: no matching change of state key ${key} within ${timeoutMs} ms (connection ${room.connection})`,
        ),
      );
    }, timeoutMs);
    const off = room.on("state", (k, value, from) => {
      if (k !== key || !match(value, from)) return;
      clearTimeout(timer);
      off();
      resolve({ value, from });
    });
  });
}

/** Everything a room emits from now on, in order, for assertions after the fact. */
export function record(room: Room) {
  /** Connection states. */
  const states: ConnectionState[] = [];
  const errors: Error[] = [];
  const messages: { fromPlayerId: string; payload: Uint8Array }[] = [];
  /** Shared-state changes as "key=value<-from" (value as text, empty when deleted). */
  const changes: string[] = [];
  const offs = [
    room.on("connection", (s) => states.push(s)),
    room.on("error", (e) => errors.push(e)),
    room.on("message", (m) => messages.push(m)),
    room.on("state", (key, value, from) => changes.push(`${key}=${value ? untext(value) : ""}<-${from}`)),
  ];
  return {
    states,
    errors,
    messages,
    changes,
    stop: () => {
      for (const off of offs) off();
    },
  };
}

export const text = (s: string) => new TextEncoder().encode(s);
export const untext = (b: Uint8Array) => new TextDecoder().decode(b);
