// "Higher": a small card game with hidden hands and turns. Each player is dealt five cards
// (1 to 13); in turn, a player plays a card higher than the top of the pile, or passes. When
// everyone else has passed, the pile is cleared and the last player to play leads again with any
// card. The first to empty their hand wins. A player sees their own hand and only the size of
// the others': the visibility rule builds each player's view, and nothing else leaves the server.
import { defineRoom, type Player, type RoomContext } from "roomgate/server";

export const HAND_SIZE = 5;
export const TURN_MS = 30_000;

export interface CardsState {
  phase: "waiting" | "playing" | "over";
  /** Player ids in turn order. */
  seats: string[];
  names: Record<string, string>;
  /** Index into seats of the player whose turn it is. */
  turn: number;
  /** Secret: every hand. */
  hands: Record<string, number[]>;
  /** Cards played since the pile was last cleared; the last one is the card to beat. */
  pile: number[];
  /** Passes in a row since the last card played. */
  passes: number;
  winner: string | null;
  /** Secret: the shuffler's state, so a moved room deals on exactly as it would have. */
  seed: number;
}

/** What a player gets: the table, their own hand, and how many cards the others hold. */
export interface CardsView {
  phase: CardsState["phase"];
  seats: string[];
  names: Record<string, string>;
  turn: number;
  pile: number[];
  passes: number;
  winner: string | null;
  handSizes: Record<string, number>;
  hand: number[];
}

export type CardsInput = { start: true } | { play: number } | { pass: true };
export type CardsMessage = { error: string } | { played: number; by: string } | { passed: string };

/** mulberry32: small, seedable, and its whole state is one number that a snapshot keeps. */
function nextRandom(state: CardsState): number {
  state.seed = (state.seed + 0x6d2b79f5) | 0;
  let t = state.seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function seedOf(roomId: string): number {
  let h = 2166136261;
  for (let i = 0; i < roomId.length; i++) h = Math.imul(h ^ roomId.charCodeAt(i), 16777619);
  return h | 0;
}

const current = (s: CardsState) => s.seats[s.turn];

export const cards = defineRoom<CardsState, CardsInput, CardsMessage, CardsView>({
  type: "higher",
  maxPlayers: 4,
  initialState: ({ roomId }) => ({
    phase: "waiting",
    seats: [],
    names: {},
    turn: 0,
    hands: {},
    pile: [],
    passes: 0,
    winner: null,
    seed: seedOf(roomId),
  }),
  visibility: (s, player: Player): CardsView => ({
    phase: s.phase,
    seats: s.seats,
    names: s.names,
    turn: s.turn,
    pile: s.pile,
    passes: s.passes,
    winner: s.winner,
    handSizes: Object.fromEntries(s.seats.map((id) => [id, s.hands[id]?.length ?? 0])),
    hand: s.hands[player.id] ?? [],
  }),
  timers: {
    // A player who lets the clock run out passes.
    turnTimeout(ctx, data) {
      if (ctx.state.phase === "playing" && current(ctx.state) === data) pass(ctx.state, ctx);
    },
  },
  onJoin(ctx, player) {
    const s = ctx.state;
    if (s.seats.includes(player.id)) return undefined; // back in their seat
    if (s.phase !== "waiting") return { refuse: "the game has started" };
    s.seats.push(player.id);
    s.names[player.id] = player.name;
    return undefined;
  },
  onMessage(ctx, player, input) {
    const s = ctx.state;
    const refuse = (error: string) => ctx.send(player.id, { error });
    if (typeof input !== "object" || input === null) return refuse("unknown move");
    if ("start" in input) {
      if (s.phase !== "waiting") return refuse("the game has started");
      if (s.seats[0] !== player.id) return refuse("only the first player starts the game");
      if (s.seats.length < 2) return refuse("two players are needed");
      return deal(s, ctx);
    }
    if (s.phase !== "playing") return refuse("the game is not on");
    if (current(s) !== player.id) return refuse("not your turn");
    if ("pass" in input) {
      if (s.pile.length === 0) return refuse("lead a card: nothing to pass on");
      return pass(s, ctx);
    }
    if (!("play" in input) || typeof input.play !== "number") return refuse("unknown move");
    const hand = s.hands[player.id]!;
    const at = hand.indexOf(input.play);
    if (at < 0) return refuse("you do not hold that card");
    const top = s.pile.at(-1);
    if (top !== undefined && input.play <= top) return refuse(`play higher than ${top}, or pass`);
    hand.splice(at, 1);
    s.pile.push(input.play);
    s.passes = 0;
    ctx.broadcast({ played: input.play, by: player.id });
    if (hand.length === 0) {
      s.phase = "over";
      s.winner = player.id;
      ctx.timers.cancelAll();
      return;
    }
    nextTurn(s, ctx);
  },
  onLeave(ctx, player, consented) {
    const s = ctx.state;
    const seat = s.seats.indexOf(player.id);
    if (seat < 0 || s.phase === "over") return;
    // A dropped connection mid-game keeps the seat and the hand for the player's return (the turn
    // clock passes for them meanwhile); only leaving on purpose gives them up.
    if (!consented && s.phase === "playing") return;
    s.seats.splice(seat, 1);
    delete s.hands[player.id];
    if (s.phase !== "playing") return;
    if (s.seats.length === 1) {
      s.phase = "over";
      s.winner = s.seats[0]!;
      ctx.timers.cancelAll();
      return;
    }
    if (seat < s.turn) s.turn--;
    s.turn %= s.seats.length;
    startTurnTimer(s, ctx);
  },
});

type Ctx = RoomContext<CardsState, CardsMessage>;

function deal(s: CardsState, ctx: Ctx): void {
  const deck = Array.from({ length: 52 }, (_, i) => (i % 13) + 1);
  for (let i = deck.length - 1; i > 0; i--) {
    const j = Math.floor(nextRandom(s) * (i + 1));
    [deck[i], deck[j]] = [deck[j]!, deck[i]!];
  }
  for (const id of s.seats) s.hands[id] = deck.splice(0, HAND_SIZE).sort((a, b) => a - b);
  s.phase = "playing";
  s.turn = 0;
  startTurnTimer(s, ctx);
}

function pass(s: CardsState, ctx: Ctx): void {
  const who = current(s)!;
  s.passes++;
  ctx.broadcast({ passed: who });
  // Everyone else passed: the last player to play leads a fresh pile.
  if (s.passes >= s.seats.length - 1) {
    s.pile = [];
    s.passes = 0;
  }
  nextTurn(s, ctx);
}

function nextTurn(s: CardsState, ctx: Ctx): void {
  s.turn = (s.turn + 1) % s.seats.length;
  startTurnTimer(s, ctx);
}

function startTurnTimer(s: CardsState, ctx: Ctx): void {
  ctx.timers.cancelAll("turnTimeout");
  ctx.timers.after(TURN_MS, "turnTimeout", current(s)!);
}

export default [cards];
