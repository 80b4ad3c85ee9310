// Set-up shared by the gameserver/room-*.test.ts files: a RoomHost with small limits, a fake clock,
// a fake connection that decodes what it is sent, and a record of what the host told its subscribers.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb.js";
import {
  ClientFrameSchema,
  type ErrorCode,
  type RoomSnapshot,
  RoomSnapshotSchema,
  type ServerFrame,
  ServerFrameSchema,
  type StateChanged,
  type Welcome,
} from "../gen/roomgate/v1/room_pb.js";
import { createLogger } from "../common/log.js";
import { type Connection, type Fanout, RoomHost } from "../gameserver/room-host.js";
import type { AnyRoomDefinition } from "../rooms/index.js";

export class FakeConn implements Connection {
  frames: ServerFrame[] = [];
  subscribe?: (topic: string) => void;
  publishToOthers?: (topic: string, bytes: Uint8Array) => void;
  closed?: { code: number; reason: string };
  send(bytes: Uint8Array) {
    this.frames.push(fromBinary(ServerFrameSchema, bytes));
  }
  close(code: number, reason: string) {
    this.closed ??= { code, reason };
  }
  cases() {
    return this.frames.map((f) => f.frame.case);
  }
  welcome(): Welcome {
    const w = this.frames.find((f) => f.frame.case === "welcome");
    if (!w) throw new Error("no welcome");
    return w.frame.value as Welcome;
  }
  /** Every StateChanged received, as [key, value as text ("" when deleted), from]. */
  changes(): [string, string, string][] {
    return this.frames
      .filter((f) => f.frame.case === "stateChanged")
      .map((f) => f.frame.value as StateChanged)
      .map((c) => [c.entry!.key, new TextDecoder().decode(c.entry!.value), c.fromPlayerId]);
  }
  errors() {
    return this.frames.filter((f) => f.frame.case === "error").map((f) => (f.frame.value as { code: ErrorCode }).code);
  }
}

/**
 * Pub/sub as the game server's uWS topics behave: a connection hears a topic only once it has
 * subscribed, and a closed one has left them all.
 */
export class FakeTopics implements Fanout {
  private readonly subscribers = new Map<string, Set<FakeConn>>();

  publish(topic: string, bytes: Uint8Array, except?: FakeConn) {
    for (const c of this.subscribers.get(topic) ?? []) if (c !== except && !c.closed) c.send(bytes);
  }

  /** A connection with pub/sub through these topics. */
  conn(): FakeConn {
    const c = new FakeConn();
    c.subscribe = (topic) => {
      if (!c.closed) this.subscribers.set(topic, (this.subscribers.get(topic) ?? new Set()).add(c));
    };
    c.publishToOthers = (topic, bytes) => this.publish(topic, bytes, c);
    return c;
  }
}

export const frame = (f: Parameters<typeof create<typeof ClientFrameSchema>>[1]) =>
  toBinary(ClientFrameSchema, create(ClientFrameSchema, f));
export const LIMITS = {
  maxFrameBytes: 64,
  maxMessagesPerSecond: 3,
  maxBytesPerSecond: 0,
  maxRooms: 2,
  maxPlayers: 3,
  reconnectGraceMs: 0,
  stateMaxKeys: 3,
  stateMaxBytes: 20,
  stateMaxKeyChars: 5,
  snapshotMaxBytes: 200,
  migrationGraceMs: 15_000,
  rejoinGraceMs: 60_000,
};

export const enc = (s: string) => new TextEncoder().encode(s);
export const setState = (key: string, value: string, owned = false) =>
  frame({ frame: { case: "setState", value: { key, value: enc(value), owned } } });
export const stateOf = (entries: { key: string; value: Uint8Array; ownerPlayerId: string }[]) =>
  Object.fromEntries(
    entries.map((e) => [e.key, `${new TextDecoder().decode(e.value)}${e.ownerPlayerId ? `@${e.ownerPlayerId}` : ""}`]),
  );
export const snapshotBytes = (s: Parameters<typeof create<typeof RoomSnapshotSchema>>[1]) =>
  toBinary(RoomSnapshotSchema, create(RoomSnapshotSchema, s));

type Hook = (fn: () => void) => void;

/** One test's host and what it observed. */
export class RoomHostFixture {
  /** A fixture reset before each test of the calling file, with jest's fake timers on during it. */
  static perTest(before: Hook, after: Hook, timers: { useFakeTimers(): unknown; useRealTimers(): unknown }) {
    const t = new RoomHostFixture();
    before(() => {
      timers.useFakeTimers();
      t.reset();
    });
    after(() => timers.useRealTimers());
    return t;
  }

  events: string[] = [];
  /** Snapshots and final (MIGRATING) snapshots by room, in order. */
  snapshots: { roomId: string; snap: RoomSnapshot; final: boolean }[] = [];
  warnings: string[] = [];
  now = 0;
  host!: RoomHost;

  reset() {
    this.events = [];
    this.snapshots = [];
    this.warnings = [];
    this.now = 0;
    this.host = this.makeHost();
  }

  makeHost(limits: Partial<typeof LIMITS> = {}, rooms: readonly AnyRoomDefinition[] = []) {
    const host = new RoomHost(
      "gs-1",
      { ...LIMITS, ...limits },
      createLogger("test", (line) => {
        if (/ warn /.test(line)) this.warnings.push(line);
      }),
      () => this.now,
      rooms,
    );
    host.subscribe({
      opened: (id, onToken) => this.events.push(`opened ${id}${onToken ? " on token" : ""}`),
      players: (id, n) => this.events.push(`players ${id} ${n}`),
      closed: (id, r, bytes) => {
        this.events.push(`closed ${id} ${RoomCloseReason[r]}`);
        if (bytes) this.snapshots.push({ roomId: id, snap: fromBinary(RoomSnapshotSchema, bytes), final: true });
      },
      snapshot: (id, bytes) =>
        this.snapshots.push({ roomId: id, snap: fromBinary(RoomSnapshotSchema, bytes), final: false }),
    });
    return host;
  }
}
