// Typing a client of a room of a logic type from its definition alone (`typeof dots`), without
// the SDK importing server code: these read a definition's shape, as ViewOf, InputOf and
// MessageOf of roomgate/server do. A game imports its room module with `import type` only.

/** What a player of room type D sees: its visibility view, or else its state; unknown for a relay room. */
export type ViewOf<D> = D extends { visibility?: (state: never, player: never) => infer V }
  ? unknown extends V
    ? D extends { initialState?: (create: never) => infer S }
      ? S
      : unknown
    : V
  : unknown;

/** What a client of room type D sends with Room.input. */
export type InputOf<D> = D extends { onMessage?: (ctx: never, player: never, message: infer In) => unknown }
  ? unknown extends In
    ? unknown
    : In
  : unknown;

/** What room type D sends with ctx.send and ctx.broadcast (Room's roomMessage event). */
export type MessageOf<D> = D extends { onMessage?: (ctx: infer C, player: never, message: never) => unknown }
  ? C extends { send(playerId: string, message: infer Out): void }
    ? Out
    : unknown
  : unknown;
