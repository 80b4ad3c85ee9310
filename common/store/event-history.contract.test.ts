import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type ClusterEvent, ClusterEventKind, ClusterEventSchema } from "../../gen/roomgate/v1/gateway_pb.js";
import { configurable, type StoreOptions } from "../../testkit/store-contract";
import type { RoomStore } from "./store";

// The events' recent past, over every store: what a dashboard opened now is shown of what
// happened before it, bounded by count and by age.

const event = (n: number, atMs: number, over: { kind?: ClusterEventKind; serverId?: string; detail?: string } = {}) =>
  create(ClusterEventSchema, {
    time: timestampFromMs(atMs),
    kind: ClusterEventKind.ROOM_ALLOCATED,
    roomId: `room${n}`.padEnd(22, "x"),
    serverId: "a",
    ...over,
  });

const rooms = (events: ClusterEvent[]) => events.map((e) => e.roomId.replace(/x+$/, ""));

describe.each(configurable)("%s event history", (_name, make) => {
  let store: RoomStore | undefined;
  const open = (o?: StoreOptions) => {
    store = make(o);
    return store;
  };
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  test("keeps what was published, oldest first, every field intact", async () => {
    const s = open();
    const now = Date.now();
    expect(await s.recentEvents(now)).toEqual([]);
    await s.publishEvent(event(1, now - 2000));
    await s.publishEvent(event(2, now - 1000, { kind: ClusterEventKind.ROOM_REMOVED, serverId: "b", detail: "empty" }));
    const got = await s.recentEvents(now);
    expect(rooms(got)).toEqual(["room1", "room2"]);
    expect(got[1]).toMatchObject({ kind: ClusterEventKind.ROOM_REMOVED, serverId: "b", detail: "empty" });
    expect(got[1]!.time).toEqual(timestampFromMs(now - 1000));
  });

  test("keeps at most maxEvents, the newest", async () => {
    const s = open({ eventHistory: { maxEvents: 3, maxAgeMs: 60_000 } });
    const now = Date.now();
    for (let n = 1; n <= 5; n++) await s.publishEvent(event(n, now - 100 + n));
    expect(rooms(await s.recentEvents(now))).toEqual(["room3", "room4", "room5"]);
  });

  test("hands out none older than maxAgeMs, by the events' own time", async () => {
    const s = open({ eventHistory: { maxEvents: 100, maxAgeMs: 10_000 } });
    const now = Date.now();
    await s.publishEvent(event(1, now - 30_000));
    await s.publishEvent(event(2, now - 9_000));
    await s.publishEvent(event(3, now));
    expect(rooms(await s.recentEvents(now))).toEqual(["room2", "room3"]);
    // Read later, the one that was nine seconds old has aged out too.
    expect(rooms(await s.recentEvents(now + 5_000))).toEqual(["room3"]);
  });

  test("events published at once are kept, and told, in the order they were published", async () => {
    const s = open({ eventHistory: { maxEvents: 4, maxAgeMs: 60_000 } });
    const now = Date.now();
    const heard: ClusterEvent[] = [];
    let all!: () => void;
    const told = new Promise<void>((r) => (all = r));
    const off = await s.subscribeEvents((e) => {
      heard.push(e);
      if (heard.length === 6) all();
    });
    await Promise.all([1, 2, 3, 4, 5, 6].map((n) => s.publishEvent(event(n, now - 10 + n))));
    await told;
    off();
    expect(rooms(heard)).toEqual(["room1", "room2", "room3", "room4", "room5", "room6"]);
    expect(rooms(await s.recentEvents(now))).toEqual(["room3", "room4", "room5", "room6"]);
  });

  test("maxEvents 0 keeps nothing, and subscribers are still told", async () => {
    const s = open({ eventHistory: { maxEvents: 0, maxAgeMs: 60_000 } });
    let told!: (e: ClusterEvent) => void;
    const heard = new Promise<ClusterEvent>((r) => (told = r));
    const off = await s.subscribeEvents((e) => told(e));
    await s.publishEvent(event(1, Date.now()));
    expect(rooms([await heard])).toEqual(["room1"]);
    off();
    expect(await s.recentEvents()).toEqual([]);
  });

  test("limits that make no sense are refused when the store is made", () => {
    expect(() => open({ eventHistory: { maxEvents: -1, maxAgeMs: 1000 } })).toThrow(/maxEvents/);
    expect(() => open({ eventHistory: { maxEvents: 10, maxAgeMs: 1.5 } })).toThrow(/maxAgeMs/);
  });
});
