import { create } from "@bufbuild/protobuf";
import { type ClusterEvent, ClusterEventKind, ClusterEventSchema } from "../../gen/roomgate/v1/gateway_pb.js";
import { freshStore, implementations } from "../../testkit/store-contract";
import type { RoomStore } from "./store";

// The events and bus channels, over every store.

describe.each(implementations)("%s channels", (_name, make) => {
  let store: RoomStore;
  beforeEach(async () => {
    store = await freshStore(make);
  });
  afterEach(async () => {
    await store.close();
  });

  // In any order: on a Redis Cluster each PUBLISH goes to a node of its own choosing, and a message
  // another node passes on can arrive after a later one published where the subscriber is.
  test("bus messages reach every subscriber, bytes intact", async () => {
    const got: Uint8Array[] = [];
    let done!: () => void;
    const two = new Promise<void>((r) => (done = r));
    const off = await store.subscribeBus((m) => {
      got.push(m);
      if (got.length === 2) done();
    });
    await store.publishBus(new Uint8Array([0, 200, 1]));
    await store.publishBus(new Uint8Array([7]));
    await two;
    off();
    expect(got.map((m) => [...m]).sort((a, b) => b.length - a.length)).toEqual([[0, 200, 1], [7]]);
  });

  test("events reach every subscriber until it unsubscribes", async () => {
    const a: ClusterEvent[] = [];
    const b: ClusterEvent[] = [];
    let aGotOne!: () => void;
    const firstForA = new Promise<void>((r) => (aGotOne = r));
    let bGotTwo!: () => void;
    const twoForB = new Promise<void>((r) => (bGotTwo = r));
    const stopA = await store.subscribeEvents((e) => {
      a.push(e);
      aGotOne();
    });
    await store.subscribeEvents((e) => {
      b.push(e);
      if (b.length === 2) bGotTwo();
    });
    await store.publishEvent(
      create(ClusterEventSchema, { kind: ClusterEventKind.ROOM_ALLOCATED, roomId: "r1", serverId: "a" }),
    );
    await firstForA;
    stopA();
    await store.publishEvent(
      create(ClusterEventSchema, { kind: ClusterEventKind.ROOM_REMOVED, roomId: "r1", detail: "empty" }),
    );
    await twoForB;
    // Both listeners hear an event in the same turn, so by now A would have heard the second.
    expect(a.map((e) => e.kind)).toEqual([ClusterEventKind.ROOM_ALLOCATED]);
    expect(b.map((e) => [e.kind, e.roomId])).toEqual([
      [ClusterEventKind.ROOM_ALLOCATED, "r1"],
      [ClusterEventKind.ROOM_REMOVED, "r1"],
    ]);
    expect(b[1]!.detail).toBe("empty");
  });
});
