import { fromBinary } from "@bufbuild/protobuf";
import { type Room, RoomgateClient } from "@roomgate/client";
import { RoomSnapshotSchema } from "../gen/roomgate/v1/room_pb";
import { decodeSnapshot } from "../rooms/snapshot";
import { EXAMPLE_ROOMS, untilView } from "../testkit/logic-rooms";
import { nextEvent } from "../testkit/sdk-events";
import type { CardsView, cards } from "../examples/cards";
import { ARENA, type dots } from "../examples/dots";
import { startCluster } from "./harness/cluster";

// Migration keeps the game: a room of a logic type whose server is killed (SIGKILL) or drained
// (SIGTERM) resumes on another server from its last snapshot, mid-game, and its players come back
// to it on their own: positions, hands and turns go on from where they were, never from the start.

const REPORT_MS = 200;
let env: Awaited<ReturnType<typeof startCluster>>;
let client: RoomgateClient;

beforeAll(async () => {
  env = await startCluster("room-logic-migration", {
    gateways: 1,
    gameServers: 3,
    gameServerEnv: {
      GAMESERVER_ROOMS: EXAMPLE_ROOMS,
      REPORT_INTERVAL_MS: String(REPORT_MS),
      SNAPSHOT_INTERVAL_MS: "100",
    },
  });
  client = new RoomgateClient(env.cluster.gatewayUrl(0), {
    reconnect: { maxAttempts: 20, initialDelayMs: 100, maxDelayMs: 500 },
  });
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

/** Resolves with the welcome of the next reconnect. */
function nextMove(room: Room<unknown>) {
  const r = room as Room;
  return nextEvent(r, "connection", (s) => s === "reconnecting", 20_000).then(() =>
    nextEvent(r, "welcome", () => true, 20_000),
  );
}

/** The room's logic as the store last holds it (polled: snapshots are not events anyone sees). */
async function storedLogic(roomId: string, type: string, match: (state: Record<string, unknown>) => boolean) {
  for (let i = 0; i < 200; i++) {
    const bytes = await env.store.getSnapshot(roomId);
    if (bytes) {
      const snap = fromBinary(RoomSnapshotSchema, bytes);
      expect(snap.roomType).toBe(type);
      const logic = decodeSnapshot(snap.logic, type);
      if (match(logic.state)) return logic;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no snapshot of room ${roomId} matched`);
}

test("dots: a server killed mid-game; the room resumes elsewhere from its snapshot, dots where they were, and plays on", async () => {
  const ann = await client.createRoom<typeof dots>({ roomType: "dots", playerName: "ann" });
  const bob = await client.joinRoom<typeof dots>(ann.roomId, { playerName: "bob" });
  await untilView(ann, (v) => v.dots[bob.playerId] !== undefined);
  ann.input({ dx: 1, dy: 0 });
  await untilView(ann, (v) => v.dots[ann.playerId]!.x > ARENA.width / 2 + 60);
  ann.input({ dx: 0, dy: 0 });
  const stopped = await untilView(ann, (v) => v.dots[ann.playerId]!.dx === 0);
  const x = stopped.dots[ann.playerId]!.x;
  // The store has a snapshot taken after the stop (the room's own, every 100 ms).
  const snap = await storedLogic(ann.roomId, "dots", (s) => {
    const d = (s as { dots: Record<string, { dx: number }> }).dots[ann.playerId];
    return d?.dx === 0;
  });
  expect(snap.tick).toBeGreaterThan(0);

  const from = ann.serverId;
  const moves = [nextMove(ann), nextMove(bob)];
  await env.cluster.gameServer(from).proc.kill("SIGKILL");
  const welcomes = await Promise.all(moves);
  for (const w of welcomes) expect(w.restored).toBe(true);
  expect(ann.serverId).not.toBe(from);
  expect(bob.serverId).toBe(ann.serverId);

  // Where the dots were (a fresh room would have put both in the middle), and the game goes on.
  const back = await untilView(bob, (v) => v.dots[ann.playerId] !== undefined && v.dots[bob.playerId] !== undefined);
  expect(back.dots[ann.playerId]!.x).toBeCloseTo(x, 3);
  ann.input({ dx: -1, dy: 0 });
  await untilView(bob, (v) => v.dots[ann.playerId]!.x < x - 20);
  await Promise.all([ann.leave(), bob.leave()]);
}, 90_000);

test("cards: a drained server hands the game over; hands, pile and turn carry on elsewhere", async () => {
  const ann = await client.createRoom<typeof cards>({ roomType: "higher", playerName: "ann" });
  const bob = await client.joinRoom<typeof cards>(ann.roomId, { playerName: "bob" });
  await untilView(ann, (v) => v.seats.length === 2);
  ann.input({ start: true });
  const dealt = await untilView(ann, (v) => v.phase === "playing");
  const lead = dealt.hand[0]!;
  ann.input({ play: lead });
  const before: CardsView = structuredClone(await untilView(bob, (v) => v.turn === 1 && v.pile.length === 1));
  const annHand = structuredClone(await untilView(ann, (v) => v.hand.length === 4));

  const from = ann.serverId;
  const moves = [nextMove(ann), nextMove(bob)];
  await env.cluster.gameServer(from).proc.kill("SIGTERM");
  await Promise.all(moves);
  expect(ann.serverId).not.toBe(from);

  const after = await untilView(bob, (v) => v.phase === "playing");
  expect(after).toEqual(before);
  expect((await untilView(ann, (v) => v.hand.length === 4)).hand).toEqual(annHand.hand);
  // Bob's turn, as it was: his move is taken on the new server.
  const higher = before.hand.find((c) => c > lead);
  bob.input(higher === undefined ? { pass: true } : { play: higher });
  await untilView(ann, (v) => v.turn === 0);
  await Promise.all([ann.leave(), bob.leave()]);
}, 90_000);
