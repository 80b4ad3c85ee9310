import { create, type DescMessage, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import fc from "fast-check";
import { RoomSchema } from "./gen/roomgate/v1/common_pb.js";
import {
  CreateRoomRequestSchema,
  CreateRoomResponseSchema,
  GetRoomRequestSchema,
  GetRoomResponseSchema,
  JoinOrCreateRequestSchema,
  JoinOrCreateResponseSchema,
  JoinRoomRequestSchema,
  JoinRoomResponseSchema,
  ListRegionsRequestSchema,
  ListRegionsResponseSchema,
  ListRoomsRequestSchema,
  ListRoomsResponseSchema,
} from "./gen/roomgate/v1/gateway_pb.js";
import { ClientFrameSchema, ServerFrameSchema } from "./gen/roomgate/v1/room_pb.js";
import { type ClientFrameInit, decodeServerFrame, encodeClientFrame } from "./frames.js";
import * as gw from "./gateway-messages.js";

// The SDK's hand-written codecs against protobuf-es, the reference: what the SDK writes is byte for
// byte what protobuf-es writes for the same message, and what it reads from protobuf-es's bytes is
// the message protobuf-es reads, except the unknown fields, which the SDK skips (protobuf-es keeps
// them in $unknown): so a newer server's fields are no error. Two messages' bytes one after the
// other read as the two merged, as protobuf says.

const RUNS = { numRuns: 300 };

const str = fc.string({ unit: "binary", maxLength: 12 });
const bytes = fc.uint8Array({ maxLength: 24 });
const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });
const int32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
/** Keys like "1" (which objects order first) and "__proto__" (which assignment would swallow) too. */
const stringMap = fc.dictionary(fc.oneof(str, fc.constantFrom("__proto__", "0", "17", "constructor")), str, {
  maxKeys: 4,
  noNullPrototype: true,
});
const latencies = fc.array(fc.record({ region: str, rttMs: uint32 }), { maxLength: 3 });
const timestamp = fc.record({ seconds: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), nanos: int32 });
const player = fc.record({ id: str, name: str });
const stateEntry = fc.record({ key: str, value: bytes, ownerPlayerId: str });

/** Every field of Room, each left out now and then (zero values, an unset create_time). */
const room = fc.record(
  {
    roomId: str,
    serverId: str,
    serverAddress: str,
    region: str,
    maxPlayers: uint32,
    playerCount: uint32,
    createTime: timestamp,
    creatorPlayerId: str,
    state: int32,
    migrations: uint32,
    visibility: int32,
    mode: str,
    metadata: stringMap,
    labels: stringMap,
    freeSeats: uint32,
    zone: str,
    cpuSeconds: fc.double(),
    cpuLoad: fc.float(),
  },
  { requiredKeys: [] },
);

const clientFrame: fc.Arbitrary<ClientFrameInit> = fc.oneof(
  fc.record({ case: fc.constant("broadcast" as const), value: fc.record({ payload: bytes }) }),
  fc.record({ case: fc.constant("sendTo" as const), value: fc.record({ playerId: str, payload: bytes }) }),
  fc.record({ case: fc.constant("ping" as const), value: fc.record({ nonce: uint32 }) }),
  fc.record({
    case: fc.constant("setState" as const),
    value: fc.record({ key: str, value: bytes, owned: fc.boolean() }),
  }),
  fc.record({ case: fc.constant("input" as const), value: bytes }),
);

const serverFrame = fc.oneof(
  fc.constant({}),
  fc.record({
    case: fc.constant("welcome"),
    value: fc.record(
      {
        roomId: str,
        playerId: str,
        serverId: str,
        players: fc.array(player, { maxLength: 3 }),
        maxPlayers: uint32,
        state: fc.array(stateEntry, { maxLength: 3 }),
        restored: fc.boolean(),
        roomType: str,
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({ case: fc.constant("playerJoined"), value: fc.record({ player }, { requiredKeys: [] }) }),
  fc.record({ case: fc.constant("playerLeft"), value: fc.record({ playerId: str }) }),
  fc.record({ case: fc.constant("message"), value: fc.record({ fromPlayerId: str, payload: bytes }) }),
  fc.record({ case: fc.constant("error"), value: fc.record({ code: int32, message: str }) }),
  fc.record({ case: fc.constant("pong"), value: fc.record({ nonce: uint32 }) }),
  fc.record({
    case: fc.constant("stateChanged"),
    value: fc.record({ entry: stateEntry, fromPlayerId: str }, { requiredKeys: [] }),
  }),
  fc.record({ case: fc.constant("sync"), value: bytes }),
);

/** Fields numbered far above any the messages use, of every wire type, as a newer peer could add them. */
const unknownFields = fc.array(
  fc.oneof(
    fc
      .record({ no: fc.integer({ min: 100, max: 2 ** 29 - 1 }), v: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) })
      .map(({ no, v }) => ({ no, wireType: WireType.Varint, data: new BinaryWriter().uint64(v).finish() })),
    fc.record({ no: fc.integer({ min: 100, max: 5000 }), b: bytes }).map(({ no, b }) => ({
      no,
      wireType: WireType.LengthDelimited,
      data: new BinaryWriter().bytes(b).finish(),
    })),
    fc.record({ no: fc.integer({ min: 100, max: 5000 }), v: uint32 }).map(({ no, v }) => ({
      no,
      wireType: WireType.Bit32,
      data: new BinaryWriter().fixed32(v).finish(),
    })),
    fc.record({ no: fc.integer({ min: 100, max: 5000 }), v: fc.double() }).map(({ no, v }) => ({
      no,
      wireType: WireType.Bit64,
      data: new BinaryWriter().double(v).finish(),
    })),
    // A group: a nested field, then the end tag of the same number.
    fc.record({ no: fc.integer({ min: 100, max: 5000 }), v: uint32 }).map(({ no, v }) => ({
      no,
      wireType: WireType.StartGroup,
      data: new BinaryWriter().tag(1, WireType.Varint).uint32(v).tag(no, WireType.EndGroup).finish(),
    })),
  ),
  { maxLength: 3 },
);

type Unknown = fc.Arbitrary<{ no: number; wireType: WireType; data: Uint8Array }[]>;

/** Sets unknown fields on every message in `m` (each gets its own draw), as a newer peer would write them. */
function withUnknown<T>(m: T, draws: ReturnType<Unknown["generate"]>["value"][]): T {
  let i = 0;
  const visit = (v: unknown) => {
    if (typeof v !== "object" || v === null || v instanceof Uint8Array) return;
    if ("$typeName" in v) (v as { $unknown?: unknown }).$unknown = draws[i++ % draws.length];
    for (const child of Object.values(v)) visit(child);
  };
  if (draws.length > 0) visit(m);
  return m;
}

/** protobuf-es's reading without $unknown, which the SDK's codecs do not keep. */
function known<T>(m: T): T {
  if (typeof m !== "object" || m === null || m instanceof Uint8Array) return m;
  if (Array.isArray(m)) return m.map(known) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(m)) {
    if (key === "$unknown") continue;
    const value = known((m as Record<string, unknown>)[key]);
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out as T;
}

/** Encoder `encode` writes protobuf-es's bytes for every message `init` generates. */
function sameBytes<D extends DescMessage>(
  schema: D,
  init: fc.Arbitrary<MessageInitShape<D>>,
  encode: (m: MessageInitShape<D>) => Uint8Array,
) {
  fc.assert(
    fc.property(init, (m) => {
      expect(encode(m)).toEqual(toBinary(schema, create(schema, m)));
    }),
    RUNS,
  );
}

/** Decoder `decode` reads protobuf-es's bytes as protobuf-es does, unknown fields and merged messages included. */
function sameMessage<D extends DescMessage>(
  schema: D,
  init: fc.Arbitrary<MessageInitShape<D>>,
  decode: (bytes: Uint8Array) => unknown,
) {
  const unknown: Unknown = unknownFields;
  fc.assert(
    fc.property(init, init, fc.array(unknown, { maxLength: 4 }), (a, b, draws) => {
      const one = toBinary(schema, withUnknown(create(schema, a), draws));
      expect(decode(one)).toStrictEqual(known(fromBinary(schema, one)));
      const two = new Uint8Array([...one, ...toBinary(schema, create(schema, b))]);
      expect(decode(two)).toStrictEqual(known(fromBinary(schema, two)));
    }),
    RUNS,
  );
}

test("ClientFrames: every case, byte for byte as protobuf-es writes them", () => {
  sameBytes(ClientFrameSchema, clientFrame.map((frame) => ({ frame })) as never, (m) =>
    encodeClientFrame((m as { frame: ClientFrameInit }).frame),
  );
  // A set case is written even when all of it is empty.
  expect(encodeClientFrame({ case: "input", value: new Uint8Array(0) })).toEqual(new Uint8Array([0x2a, 0]));
  expect(encodeClientFrame({ case: "ping", value: { nonce: 0 } })).toEqual(new Uint8Array([0x1a, 0]));
});

test("ServerFrames: every case read as protobuf-es reads it; unknown fields skipped at every level", () => {
  sameMessage(ServerFrameSchema, serverFrame.map((frame) => ({ frame })) as never, decodeServerFrame);
});

test("Gateway requests, byte for byte as protobuf-es writes them", () => {
  const placement = { region: str, latencies, maxPlayers: uint32, labels: stringMap, metadata: stringMap };
  sameBytes(
    CreateRoomRequestSchema,
    fc.record(
      { ...placement, requestId: str, playerName: str, visibility: int32, mode: str, roomType: str },
      { requiredKeys: [] },
    ),
    gw.encodeCreateRoomRequest,
  );
  sameBytes(
    JoinOrCreateRequestSchema,
    fc.record({ ...placement, mode: str, playerName: str, roomType: str }, { requiredKeys: [] }),
    gw.encodeJoinOrCreateRequest,
  );
  sameBytes(
    JoinRoomRequestSchema,
    fc.record({ roomId: str, playerName: str, rejoinToken: str }, { requiredKeys: [] }),
    gw.encodeJoinRoomRequest,
  );
  sameBytes(
    ListRoomsRequestSchema,
    fc.record(
      { mode: str, region: str, includeFull: fc.boolean(), pageSize: uint32, pageToken: str },
      { requiredKeys: [] },
    ),
    gw.encodeListRoomsRequest,
  );
  sameBytes(GetRoomRequestSchema, fc.record({ roomId: str }, { requiredKeys: [] }), gw.encodeGetRoomRequest);
  sameBytes(ListRegionsRequestSchema, fc.constant({}), gw.encodeListRegionsRequest);
});

test("Gateway responses read as protobuf-es reads them; unknown fields skipped at every level", () => {
  const ticket = {
    roomId: str,
    serverAddress: str,
    joinToken: str,
    playerId: str,
    serverId: str,
    region: str,
    joinTokenExpireTime: timestamp,
  };
  sameMessage(CreateRoomResponseSchema, fc.record(ticket, { requiredKeys: [] }), gw.decodeCreateRoomResponse);
  sameMessage(JoinRoomResponseSchema, fc.record(ticket, { requiredKeys: [] }), gw.decodeJoinRoomResponse);
  sameMessage(
    JoinOrCreateResponseSchema,
    fc.record({ ...ticket, created: fc.boolean() }, { requiredKeys: [] }),
    gw.decodeJoinOrCreateResponse,
  );
  sameMessage(
    ListRoomsResponseSchema,
    fc.record({ rooms: fc.array(room, { maxLength: 3 }), nextPageToken: str }, { requiredKeys: [] }),
    gw.decodeListRoomsResponse,
  );
  sameMessage(GetRoomResponseSchema, fc.record({ room }, { requiredKeys: [] }), gw.decodeGetRoomResponse);
  sameMessage(
    ListRegionsResponseSchema,
    fc.record(
      { regions: fc.array(fc.record({ region: str, url: str }), { maxLength: 3 }), region: str },
      {
        requiredKeys: [],
      },
    ),
    gw.decodeListRegionsResponse,
  );
});

test("a Room with every field set reads back exactly (the property's rooms leave fields out at random)", () => {
  const full = create(RoomSchema, {
    roomId: "r",
    serverId: "s",
    serverAddress: "ws://x",
    region: "eu",
    maxPlayers: 4,
    playerCount: 2,
    createTime: { seconds: -5n, nanos: 7 },
    creatorPlayerId: "p",
    state: 2,
    migrations: 1,
    visibility: 2,
    mode: "duel",
    metadata: { name: "a", __proto__: "b" } as never,
    labels: { map: "dust" },
    freeSeats: 2,
    zone: "z",
    cpuSeconds: -0,
    cpuLoad: 0.25,
  });
  const bytes = toBinary(GetRoomResponseSchema, create(GetRoomResponseSchema, { room: full }));
  expect(gw.decodeGetRoomResponse(bytes)).toStrictEqual(fromBinary(GetRoomResponseSchema, bytes));
});
