import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { ClientFrameSchema } from "../gen/roomgate/v1/room_pb.js";
import { encodeValue } from "@roomgate/client/sync";
import { gatewayClient, Player } from "../testkit/client";
import { EXAMPLE_ROOMS } from "../testkit/logic-rooms";
import { startCluster } from "./harness/cluster";
import { fuzzParameters, fuzzTimeoutMs } from "./harness/fuzz";
import { allAlive, honestRoundTrip } from "./harness/honest";

// Fuzzing a game server's WebSocket frames over real processes: random bytes and text, and
// well-formed ClientFrames with hostile content (sizes past the limits, unknown players, keys of
// any length and characters, other players' owned keys). Each run's sender joins a room where a
// bystander stays; the sender may be closed for what it sent, but the bystander must keep its
// connection, the processes must stay up, and an honest client must get through afterwards.

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("fuzz-gameserver", {
    gateways: 1,
    gameServers: 1,
    // Limits high enough that fuzzed frames reach the room logic rather than the rate limiter
    // (the limiters have their own tests); the frame size limit stays as it is.
    // It runs the examples' room module too, for hostile input to a room of a logic type.
    gameServerEnv: { MAX_MESSAGES_PER_SECOND: "1000000", MAX_BYTES_PER_SECOND: "0", GAMESERVER_ROOMS: EXAMPLE_ROOMS },
  });
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

type FrameInit = MessageInitShape<typeof ClientFrameSchema>["frame"];
/** Stand-ins for ids known only once the run's sender has joined. */
const SELF = "$self";
/** The nonce of the ping that follows a run's frames. */
const LAST = 0xfffffffe;
const BYSTANDER = "$bystander";

const payload = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 16_000, maxLength: 17_000 }) },
);
const key = fc.oneof(
  fc.constantFrom("", "k", "pos/$bystander", "pos/$self", "🎲".repeat(40), "k".repeat(129)),
  fc.string({ maxLength: 140, unit: "binary" }),
);
const playerId = fc.oneof(
  fc.constantFrom(SELF, BYSTANDER, "", "p_nobody"),
  fc.string({ maxLength: 80, unit: "binary" }),
);

const frameArb: fc.Arbitrary<FrameInit> = fc.oneof(
  payload.map((p) => ({ case: "broadcast" as const, value: { payload: p } })),
  fc.tuple(playerId, payload).map(([id, p]) => ({ case: "sendTo" as const, value: { playerId: id, payload: p } })),
  fc.nat({ max: 2 ** 32 - 1 }).map((nonce) => ({ case: "ping" as const, value: { nonce } })),
  fc
    .tuple(key, fc.oneof(fc.constant(new Uint8Array()), fc.uint8Array({ maxLength: 2000 })), fc.boolean())
    .map(([k, value, owned]) => ({ case: "setState" as const, value: { key: k, value, owned } })),
  fc.constant({ case: undefined }),
);

/** Input to a room of a logic type: any value it may decode to (well-formed or not for the room), or any bytes. */
const inputArb: fc.Arbitrary<FrameInit> = fc
  .oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.jsonValue({ maxDepth: 6 }).map((v) => encodeValue(v as never)),
    fc
      .record({ dx: fc.oneof(fc.integer({ min: -2, max: 2 }), fc.double()), dy: fc.double(), x: fc.double() })
      .map((v) => encodeValue(v)),
  )
  .map((bytes) => ({ case: "input" as const, value: bytes }));

type Wire = { bytes: Uint8Array | string };

/**
 * The property's room: the bystander who stays in it (and owns a key) for every run. Created
 * once per property; each run only adds and removes its sender.
 */
async function roomWithBystander(roomType = "") {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const created = await gw.createRoom({ maxPlayers: 16, roomType });
  const bystander = await Player.join(created.serverAddress, created.roomId, created.joinToken);
  if (!roomType)
    bystander.player.send({
      case: "setState",
      value: { key: `pos/${bystander.welcome.playerId}`, value: new Uint8Array([1]), owned: true },
    });
  let nonce = 0;
  return {
    bystander,
    /** The sender's frames sent, then both players checked. */
    async run(frames: (ids: { self: string; bystander: string }) => Wire[]) {
      const joined = await gw.joinRoom({ roomId: created.roomId });
      const sender = await Player.join(joined.serverAddress, joined.roomId, joined.joinToken);
      try {
        for (const f of frames({ self: sender.welcome.playerId, bystander: bystander.welcome.playerId }))
          sender.player.sendRaw(Buffer.from(f.bytes as Uint8Array));
        // Frames are handled in order: the pong (or a close for a bad frame) says all of them were.
        sender.player.send({ case: "ping", value: { nonce: LAST } });
        const pong = (async () => {
          while ((await sender.player.next("pong", 5000)).frame.value.nonce !== LAST);
          return "pong";
        })().catch(() => "no pong");
        const outcome = await Promise.race([pong, sender.player.closed.then((c) => `closed ${c.code}`)]);
        if (outcome !== "pong" && !/^closed (1008|1009)$/.test(outcome)) throw new Error(`sender: ${outcome}`);
        // The bystander is untouched: still connected and answered.
        bystander.player.send({ case: "ping", value: { nonce: ++nonce } });
        await bystander.player.next("pong", 5000);
        if (!allAlive(env.cluster)) throw new Error("a process died");
      } finally {
        sender.player.terminate();
      }
    },
  };
}

/** The frame as sent, with the stand-in ids replaced by the run's. */
function encode(f: FrameInit, ids: { self: string; bystander: string }) {
  const swap = (s = "") => s.replace(SELF, ids.self).replace(BYSTANDER, ids.bystander);
  let frame = f;
  if (frame?.case === "sendTo")
    frame = { case: "sendTo", value: { ...frame.value, playerId: swap(frame.value.playerId) } };
  if (frame?.case === "setState") frame = { case: "setState", value: { ...frame.value, key: swap(frame.value.key) } };
  return toBinary(ClientFrameSchema, create(ClientFrameSchema, { frame }));
}

const QUICK_VALID = 100;
test(
  "well-formed ClientFrames with hostile content: never more than an error or a close for the sender",
  async () => {
    const room = await roomWithBystander();
    const property = fc.asyncProperty(fc.array(frameArb, { minLength: 1, maxLength: 12 }), async (list) => {
      await room.run((ids) => list.map((f) => ({ bytes: encode(f, ids) })));
    });
    await fc.assert(property, fuzzParameters("gameserver-frames", QUICK_VALID));
    await room.bystander.player.leave();
  },
  fuzzTimeoutMs(QUICK_VALID, 60),
);

const QUICK_INPUT = 100;
test(
  "hostile input to a room of a logic type (the dots arena): an error frame at worst, the room plays on",
  async () => {
    const room = await roomWithBystander("dots");
    const property = fc.asyncProperty(
      fc.array(fc.oneof({ weight: 3, arbitrary: inputArb }, { weight: 1, arbitrary: frameArb }), {
        minLength: 1,
        maxLength: 12,
      }),
      async (list) => {
        await room.run((ids) => list.map((f) => ({ bytes: encode(f, ids) })));
      },
    );
    await fc.assert(property, fuzzParameters("gameserver-input", QUICK_INPUT));
    // The room still plays: the bystander's own move comes back as patches, tick after tick.
    const b = room.bystander.player;
    b.send({ case: "input", value: encodeValue({ dx: 1, dy: 0 }) });
    b.send({ case: "ping", value: { nonce: LAST } });
    while ((await b.next("pong", 5000)).frame.value.nonce !== LAST);
    await b.next("sync", 5000);
    await room.bystander.player.leave();
  },
  fuzzTimeoutMs(QUICK_INPUT, 60),
);

const QUICK_BYTES = 100;
test(
  "random bytes and text frames, alone or after good ones: the sender is closed at worst",
  async () => {
    const junk = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((b): Wire => ({ bytes: b })),
      fc.uint8Array({ maxLength: 20_000 }).map((b): Wire => ({ bytes: b })),
      fc.string({ maxLength: 100 }).map((s): Wire => ({ bytes: s })),
    );
    const room = await roomWithBystander();
    const property = fc.asyncProperty(
      fc.array(frameArb, { maxLength: 3 }),
      fc.array(junk, { minLength: 1, maxLength: 4 }),
      async (good, bad) => {
        await room.run((ids) => [...good.map((f) => ({ bytes: encode(f, ids) })), ...bad]);
      },
    );
    await fc.assert(property, fuzzParameters("gameserver-bytes", QUICK_BYTES));
    await room.bystander.player.leave();
  },
  fuzzTimeoutMs(QUICK_BYTES, 60),
);

test("after the fuzz, every process is up and an honest client creates, joins and broadcasts", async () => {
  expect(allAlive(env.cluster)).toBe(true);
  const r = await honestRoundTrip(env.cluster);
  expect(r).toEqual({ from: r.sender, payload: [1, 2, 3], sender: expect.any(String) });
});
