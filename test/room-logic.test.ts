import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorCode, type Room, RoomgateClient, RoomRefusedError, RoomServerError } from "@roomgate/client";
import { applyServerFrame, createStateReplica, encodeValue } from "@roomgate/client/sync";
import { gatewayClient, Player } from "../testkit/client";
import { EXAMPLE_ROOMS, nextRoomMessage, untilView } from "../testkit/logic-rooms";
import { nextEvent } from "../testkit/sdk-events";
import type { CardsView, cards } from "../examples/cards";
import { ARENA, type dots, SPEED } from "../examples/dots";
import { codeOf } from "./harness/codes";
import { startCluster, startRegisteredGameServer } from "./harness/cluster";

// Rooms of a logic type over a real Gateway, Manager and game servers: the dots arena (the server
// moves every dot; a client cannot teleport), the card game "higher" (hidden hands never leave
// the server, moves out of turn are refused) and placement by room type. One server runs the
// examples' room module, another only relay.

let env: Awaited<ReturnType<typeof startCluster>>;
let client: RoomgateClient;

beforeAll(async () => {
  env = await startCluster("room-logic", { gateways: 1, gameServers: 0 });
  await Promise.all([
    startRegisteredGameServer(env.cluster, "gs-rooms", { GAMESERVER_ROOMS: EXAMPLE_ROOMS }),
    startRegisteredGameServer(env.cluster, "gs-relay", {}),
  ]);
  client = new RoomgateClient(env.cluster.gatewayUrl(0));
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

const errorEvent = (room: Room<unknown>) => nextEvent(room as Room, "error", (e) => e instanceof RoomServerError);

test("dots: two players send directions and both see every dot move; impossible inputs move nobody", async () => {
  const ann = await client.createRoom<typeof dots>({ roomType: "dots", playerName: "ann" });
  expect({ roomType: ann.roomType, serverId: ann.serverId }).toEqual({ roomType: "dots", serverId: "gs-rooms" });
  // The state comes with the room (as of the last tick: a new player's dot appears at the next).
  expect(ann.view).toEqual({ dots: expect.any(Object) });
  const mine = await untilView(ann, (v) => v.dots[ann.playerId] !== undefined);
  expect(mine.dots[ann.playerId]).toMatchObject({ x: ARENA.width / 2, y: ARENA.height / 2, name: "ann" });
  const bob = await client.joinRoom<typeof dots>(ann.roomId, { playerName: "bob" });
  expect(bob.view!.dots[ann.playerId]).toBeDefined();
  await untilView(bob, (v) => v.dots[bob.playerId] !== undefined);
  await untilView(ann, (v) => v.dots[bob.playerId] !== undefined);

  ann.input({ dx: 1, dy: 0 });
  bob.input({ dx: 0, dy: -1 });
  await untilView(bob, (v) => v.dots[ann.playerId]!.x > ARENA.width / 2 + 40);
  await untilView(ann, (v) => v.dots[bob.playerId]!.y < ARENA.height / 2 - 40);
  ann.input({ dx: 0, dy: 0 });
  const stopped = await untilView(ann, (v) => v.dots[ann.playerId]!.dx === 0);
  const x = stopped.dots[ann.playerId]!.x;

  // A modified client: positions and speeds of its own choosing, then one legal direction.
  const seen: { x: number; y: number; dx: number; dy: number }[] = [];
  bob.on("change", (v) => seen.push({ ...v.dots[ann.playerId]! }));
  const cheat = ann as unknown as Room<unknown>;
  cheat.input({ x: 10, y: 10 });
  cheat.input({ dx: 40, dy: 0 });
  cheat.input({ dx: 2, dy: 0, x: 799 });
  await ann.ping(); // every input above has reached the room
  ann.input({ dx: 0, dy: 1 });
  const moved = await untilView(bob, (v) => v.dots[ann.playerId]!.y > ARENA.height / 2 + 40);
  expect(moved.dots[ann.playerId]!.x).toBe(x);
  // One patch a tick (50 ms at 20 Hz): never more than the arena's speed allows, a skipped tick or two aside.
  const maxStep = (SPEED / 20) * 3;
  for (const [i, d] of seen.entries()) {
    expect(d.x).toBe(x);
    expect([-1, 0, 1]).toContain(d.dx);
    if (i > 0) expect(Math.abs(d.y - seen[i - 1]!.y)).toBeLessThanOrEqual(maxStep);
  }

  // Relay frames have no place in a logic room: an error frame, and nothing else happens.
  const refused = errorEvent(ann);
  ann.broadcast(new Uint8Array([1]));
  expect(((await refused) as RoomServerError).code).toBe(ErrorCode.WRONG_ROOM_TYPE);
  await Promise.all([bob.leave(), ann.leave()]);
}, 60_000);

/** A raw player of a cards room: every sync frame it received, applied as the SDK would. */
function cardsReplica(p: Player) {
  const replica = createStateReplica<CardsView>();
  const messages: unknown[] = [];
  const raw: Uint8Array[] = [];
  let applied = 0;
  const pump = () => {
    for (; applied < p.frames.length; applied++) {
      const f = p.frames[applied]!;
      if (f.frame.case !== "sync") continue;
      raw.push(f.frame.value);
      const r = applyServerFrame(replica, f.frame.value);
      if (r.kind === "message") messages.push(r.message);
    }
  };
  return {
    replica,
    messages,
    raw,
    /** Waits (frame by frame, no polling) until the view matches. */
    async until(match: (v: CardsView) => boolean) {
      for (;;) {
        pump();
        if (replica.state && match(replica.state)) return replica.state;
        await p.next("sync");
      }
    },
  };
}

test("cards: a player's frames never carry another's hand; out of turn is refused; a started game refuses newcomers", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const t1 = await gw.createRoom({ roomType: "higher", playerName: "ann" });
  const t2 = await gw.joinRoom({ roomId: t1.roomId, playerName: "bob" });
  const a = await Player.join(t1.serverAddress, t1.roomId, t1.joinToken);
  expect(a.welcome.roomType).toBe("higher");
  const b = await Player.join(t2.serverAddress, t2.roomId, t2.joinToken);
  const [ann, bob] = [cardsReplica(a.player), cardsReplica(b.player)];
  await ann.until((v) => v.seats.length === 2);
  a.player.send({ case: "input", value: encodeValue({ start: true }) });
  const annView = await ann.until((v) => v.phase === "playing");
  const bobView = await bob.until((v) => v.phase === "playing" && v.hand.length === 5);
  expect(annView.seats[annView.turn]).toBe(t1.playerId);
  expect(annView.handSizes).toEqual({ [t1.playerId]: 5, [t2.playerId]: 5 });

  // Bob moves out of turn: the room answers him alone, and the table does not change.
  b.player.send({ case: "input", value: encodeValue({ play: bobView.hand[0]! }) });
  await bob.until(() => bob.messages.length > 0);
  expect(bob.messages).toEqual([{ error: "not your turn" }]);
  const lead = annView.hand[0]!;
  a.player.send({ case: "input", value: encodeValue({ play: lead }) });
  await bob.until((v) => v.turn === 1 && v.pile.length === 1);
  expect(bob.replica.state!.pile).toEqual([lead]);

  // Undecodable input never reaches the room.
  a.player.send({ case: "input", value: new Uint8Array([0xff, 0xff, 0xff]) });
  const bad = await a.player.next("error");
  expect(bad.frame.value.code).toBe(ErrorCode.BAD_INPUT);

  // A newcomer after the start: the room's own reason, and the SDK does not retry it.
  const late = client.joinRoom(t1.roomId, { playerName: "cy" });
  await expect(late).rejects.toBeInstanceOf(RoomRefusedError);
  await expect(late).rejects.toThrow("the game has started");

  // What Ann received, frame by frame: her hand only, never Bob's, never the hands table.
  const secret = Buffer.from("hands");
  for (const bytes of ann.raw) expect(Buffer.from(bytes).includes(secret)).toBe(false);
  const replay = createStateReplica<CardsView>();
  for (const bytes of ann.raw) {
    applyServerFrame(replay, bytes);
    const v = replay.state!;
    expect(Object.keys(v).sort()).toEqual(
      ["phase", "seats", "names", "turn", "pile", "passes", "winner", "handSizes", "hand"].sort(),
    );
    if (v.phase === "playing") expect(v.hand).not.toEqual(bobView.hand);
  }
  expect(Buffer.concat(ann.raw.map((r) => Buffer.from(r))).includes(Buffer.from(t2.playerId))).toBe(true);
  await Promise.all([a.player.leave(), b.player.leave()]);
}, 60_000);

test("placement: a type no server runs is unavailable, naming it; a logic type lands only where it runs; quick-join keeps types apart", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const none = await gw.createRoom({ roomType: "chess" }).catch((e) => ConnectError.from(e));
  expect(none).toBeInstanceOf(ConnectError);
  expect((none as ConnectError).code).toBe(Code.Unavailable);
  expect((none as ConnectError).rawMessage).toContain('room type "chess"');
  expect(await codeOf(gw.createRoom({ roomType: "Not A Type!" }))).toBe("InvalidArgument");
  expect(await codeOf(gw.joinOrCreate({ mode: "m", roomType: "x".repeat(49) }))).toBe("InvalidArgument");
  const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, "v"]));
  expect(await codeOf(gw.createRoom({ roomType: "dots", labels: sixteen }))).toBe("InvalidArgument");

  const typed = await Promise.all(Array.from({ length: 6 }, () => gw.createRoom({ roomType: "dots" })));
  for (const r of typed) expect(r.serverId).toBe("gs-rooms");
  const room = await env.store.getRoom(typed[0]!.roomId);
  expect(room?.labels).toEqual({ "room-type/dots": "1" });
  // Relay stays the default and needs no label; "relay" by name is the same.
  for (const roomType of ["", "relay"]) {
    const r = await gw.createRoom({ roomType });
    expect((await env.store.getRoom(r.roomId))?.labels).toEqual({});
  }

  const first = await client.joinOrCreate<typeof dots>({ mode: "arena", roomType: "dots", playerName: "p1" });
  const second = await client.joinOrCreate<typeof dots>({ mode: "arena", roomType: "dots", playerName: "p2" });
  const plain = await client.joinOrCreate({ mode: "arena", playerName: "p3" });
  expect(second.roomId).toBe(first.roomId);
  expect(plain.roomId).not.toBe(first.roomId);
  expect(plain.roomType).toBe("relay");
  await untilView(first, (v) => v.dots[second.playerId] !== undefined);
  // A cards room's message reaches the SDK as a roomMessage event.
  const host = await client.createRoom<typeof cards>({ roomType: "higher", playerName: "h" });
  const said = nextRoomMessage(host);
  host.input({ start: true });
  expect(await said).toEqual({ error: "two players are needed" });
  await Promise.all([first.leave(), second.leave(), plain.leave(), host.leave()]);
}, 60_000);
