import type { InputOf, MessageOf, ViewOf } from "roomgate/server";
import { restoreTestRoom, type TestPlayer, testRoom } from "roomgate/testing";
import { applyServerFrame, createStateReplica } from "@roomgate/client/protocol/sync/replica";
import { KEY, TAG } from "@roomgate/client/protocol/sync/wire";
import { type CardsView, cards, HAND_SIZE, TURN_MS } from "./cards.js";

// A client types its copy from the definition alone.
type Seat = TestPlayer<InputOf<typeof cards>, MessageOf<typeof cards>, ViewOf<typeof cards>>;

function table() {
  const room = testRoom(cards, { roomId: "table-1" });
  const ann = room.join({ id: "ann", name: "Ann" });
  const bob = room.join({ id: "bob", name: "Bob" });
  const cid = room.join({ id: "cid", name: "Cid" });
  ann.send({ start: true });
  return { room, ann, bob, cid, players: [ann, bob, cid] };
}

/**
 * A hand as it can sit in a frame: whole (its length, then each card as a one-byte integer), or
 * as a patch filling an array that was empty (index + 2, card; for each card).
 */
function handBytes(hand: number[]): number[][] {
  return [
    [hand.length, ...hand.map((c) => TAG.smallInt + c)],
    hand.flatMap((c, i) => [i + KEY.first, TAG.smallInt + c]),
  ];
}

const holds = (frames: Uint8Array[], hand: number[]) =>
  frames.some((f) => handBytes(hand).some((seq) => contains(f, seq)));

function contains(frame: Uint8Array, seq: number[]): boolean {
  outer: for (let i = 0; i + seq.length <= frame.length; i++) {
    for (let j = 0; j < seq.length; j++) if (frame[i + j] !== seq[j]) continue outer;
    return true;
  }
  return false;
}

describe("higher: hidden hands and turns", () => {
  test("each player sees their own hand and only the size of the others'", () => {
    const { room, ann, bob } = table();
    expect(room.state.phase).toBe("playing");
    expect(ann.state.hand).toEqual(room.state.hands.ann);
    expect(bob.state.hand).toEqual(room.state.hands.bob);
    expect(bob.state.handSizes).toEqual({ ann: HAND_SIZE, bob: HAND_SIZE, cid: HAND_SIZE });
    expect(Object.keys(bob.state).sort()).toEqual(
      ["hand", "handSizes", "names", "passes", "phase", "pile", "seats", "turn", "winner"].sort(),
    );
  });

  test("another player's cards never appear in the frames a player receives", () => {
    const { room, players } = table();
    const dealt = Object.fromEntries(players.map((p) => [p.id, [...room.state.hands[p.id]!]]));
    // Play the game to its end, each player making the first legal move.
    for (let moves = 0; room.state.phase === "playing" && moves < 200; moves++) {
      const p = players.find((x) => x.id === room.state.seats[room.state.turn])!;
      const top = room.state.pile.at(-1) ?? 0;
      const card = room.state.hands[p.id]!.find((c) => c > top);
      p.send(card === undefined ? { pass: true } : { play: card });
    }
    expect(room.state.phase).toBe("over");
    for (const p of players) {
      // Replay this player's frames one by one: at no point does their copy hold more than their view.
      const replica = createStateReplica<CardsView>();
      for (const frame of p.frames) {
        applyServerFrame(replica, frame);
        expect(replica.keys).not.toContain("hands");
        expect(replica.keys).not.toContain("seed");
        for (const other of players) {
          if (other === p) continue;
          expect(holds(p.frames, dealt[other.id]!)).toBe(false);
        }
      }
      // The check can fail: a player's own dealt hand is in their first frames.
      expect(holds(p.frames, dealt[p.id]!)).toBe(true);
    }
    expect(players.map((p) => p.state.winner)).toEqual(players.map(() => room.state.winner));
  });

  test("moves out of turn, cards not held and low cards are refused and change nothing", () => {
    const { room, ann, bob } = table();
    const before = structuredClone(room.state);
    bob.send({ play: room.state.hands.bob![0]! });
    expect(bob.messages.at(-1)).toEqual({ error: "not your turn" });
    const notHeld = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13].find((c) => !room.state.hands.ann!.includes(c))!;
    ann.send({ play: notHeld });
    expect(ann.messages.at(-1)).toEqual({ error: "you do not hold that card" });
    ann.send({ pass: true });
    expect(ann.messages.at(-1)).toEqual({ error: "lead a card: nothing to pass on" });
    ann.send({ cheat: "deal me aces" } as never);
    expect(ann.messages.at(-1)).toEqual({ error: "unknown move" });
    expect(room.state).toEqual(before);
    const high = Math.max(...room.state.hands.ann!);
    ann.send({ play: high });
    const low = Math.min(...room.state.hands.bob!);
    if (low <= high) {
      bob.send({ play: low });
      expect(bob.messages.at(-1)).toEqual({ error: `play higher than ${high}, or pass` });
    }
    expect(bob.messages).toContainEqual({ played: high, by: "ann" });
  });

  test("only the first player starts; latecomers are refused once the game is on", () => {
    const room = testRoom(cards);
    room.join({ id: "ann", name: "Ann" });
    const bob = room.join({ id: "bob", name: "Bob" });
    bob.send({ start: true });
    expect(bob.messages).toEqual([{ error: "only the first player starts the game" }]);
    room.players.get("ann")!.send({ start: true });
    expect(() => room.join({ id: "dan", name: "Dan" })).toThrow("join refused: the game has started");
  });

  test("a player who lets the turn clock run out passes", () => {
    const { room, ann, bob } = table();
    ann.send({ play: room.state.hands.ann![0]! });
    expect(room.state.seats[room.state.turn]).toBe("bob");
    room.advance(TURN_MS);
    expect(bob.state.turn).toBe(2);
    expect(bob.messages).toContainEqual({ passed: "bob" });
  });

  test("mid-game, the table moves with its snapshot: hands, turn and the running turn clock", () => {
    const { room, ann, players } = table();
    ann.send({ play: room.state.hands.ann![0]! });
    room.advance(TURN_MS / 2);
    const moved = restoreTestRoom(cards, room.snapshot(), { roomId: "table-1" });
    expect(moved.state).toEqual(room.state);
    const back = players.map((p) => moved.join({ id: p.id, name: p.name })) as Seat[];
    expect(back[1]!.state.hand).toEqual(room.state.hands.bob);
    moved.advance(TURN_MS / 2); // bob's clock was half run: it runs out now
    expect(moved.state.seats[moved.state.turn]).toBe("cid");
    expect(back[0]!.messages).toContainEqual({ passed: "bob" });
  });
});

test("a player whose connection drops mid-game keeps seat and hand and comes back to them; leaving gives them up", () => {
  const { room, bob } = table();
  const hand = [...room.state.hands.bob!];
  bob.leave(false);
  expect(room.state.seats).toEqual(["ann", "bob", "cid"]);
  const back = room.join({ id: "bob", name: "Bob" });
  expect(back.state.hand).toEqual(hand);
  back.leave(true);
  expect(room.state.seats).toEqual(["ann", "cid"]);
  expect(room.state.hands.bob).toBeUndefined();
});
