import { create } from "@bufbuild/protobuf";
import {
  AllocateRoomRequestSchema,
  type AttachRequest,
  AttachRequestSchema,
  type AttachResponse,
} from "../../gen/roomgate/v1/manager_pb.js";
import { newRoomId } from "../../common/ids";
import { silentLogger } from "../../common/log";
import { MemoryStore } from "../../common/store/memory-store";
import { Manager } from "../../manager/manager";
import { ManagerError } from "../../manager/errors";

// What the Manager core suites (manager/manager-*.test.ts) share: the in-memory store, scripted
// game servers, and fake timers that make the health rules (missed reports, sweeps, migration)
// exact without waiting.

export const REPORT_MS = 1000;

export class FakeServer {
  readonly sent: AttachResponse[] = [];
  closedWith?: string;
  handler;
  /** What the server answers to open_room: confirm, refuse, or stay silent. */
  onOpen: "confirm" | "refuse" | "ignore" = "confirm";
  /** Rooms it was told to open, with what it was told. */
  readonly opened = new Map<string, { restore: boolean; snapshot: Uint8Array }>();

  constructor(
    manager: Manager,
    readonly id: string,
    readonly region = "eu",
    maxRooms = 10,
    roomIds: string[] = [],
    /** opensOnToken: it opens new rooms on their first join token (Register.opens_on_token). */
    more: { opensOnToken?: boolean; labels?: Record<string, string>; fencedRoomIds?: string[] } = {},
  ) {
    this.handler = manager.attach({
      send: (m) => {
        this.sent.push(m);
        if (m.msg.case === "openRoom") {
          const { roomId, restore, snapshot } = m.msg.value;
          if (this.onOpen === "confirm") this.opened.set(roomId, { restore, snapshot });
          this.answerOpen(roomId);
        }
      },
      close: (reason) => (this.closedWith = reason),
    });
    this.msg({
      case: "register",
      value: {
        serverId: id,
        address: `ws://127.0.0.1:1/${id}`,
        region,
        maxRooms,
        maxPlayers: 1000,
        reportIntervalMs: REPORT_MS,
        roomIds,
        ...more,
      },
    });
  }

  /** The room's first join token arrived here and opened it. */
  openOnToken(roomId: string) {
    this.msg({ case: "roomEvent", value: { roomId, event: { case: "opened", value: { onToken: true } } } });
  }

  msg(m: AttachRequest["msg"] | { case: string; value: unknown }) {
    this.handler.onMessage(create(AttachRequestSchema, { msg: m as never }));
  }

  report() {
    this.msg({ case: "load", value: { players: 0, rooms: 0 } });
  }

  private answerOpen(roomId: string) {
    if (this.onOpen === "confirm")
      this.msg({ case: "roomEvent", value: { roomId, event: { case: "opened", value: {} } } });
    if (this.onOpen === "refuse")
      this.msg({ case: "roomEvent", value: { roomId, event: { case: "refused", value: { reason: "no" } } } });
  }
}

export const request = (over: Partial<{ region: string; maxPlayers: number; requestId: string }> = {}) =>
  create(AllocateRoomRequestSchema, {
    roomId: newRoomId(),
    maxPlayers: 4,
    creatorPlayerId: "p_1",
    firstJoinTimeoutMs: 30_000,
    ...over,
  });

export async function kind(p: Promise<unknown>) {
  try {
    await p;
    return "ok";
  } catch (e) {
    return e instanceof ManagerError ? e.kind : String(e);
  }
}

export let store: MemoryStore;
export let manager: Manager;
const managers: Manager[] = [];

export async function newManager(id: string, over: Partial<ConstructorParameters<typeof Manager>[0]> = {}) {
  const m = new Manager({
    store,
    log: silentLogger,
    managerId: id,
    missedReports: 3,
    crashProbeMs: 0,
    openRoomTimeoutMs: 500,
    idempotencyTtlMs: 60_000,
    migrationTimeoutMs: 5000,
    maxSnapshotBytes: 64,
    sweepIntervalMs: 100,
    ...over,
  });
  await m.start();
  managers.push(m);
  return m;
}

/** Call once at the top of a test file: a fresh store and Manager m1 per test, on fake timers. */
export function useManagerCore() {
  beforeEach(async () => {
    jest.useFakeTimers();
    store = new MemoryStore();
    manager = await newManager("m1");
  });

  afterEach(() => {
    for (const m of managers.splice(0)) m.close();
    jest.useRealTimers();
  });
}

/**
 * Holds every call of the store's `method` until the returned function is called: a store call
 * that waits (out an outage, say) while the test makes something else happen meanwhile.
 */
export function holdStoreCalls<K extends "recordLoads" | "registerServer">(method: K): () => void {
  const call = store[method].bind(store) as (...args: Parameters<MemoryStore[K]>) => ReturnType<MemoryStore[K]>;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  store[method] = (async (...args: Parameters<MemoryStore[K]>) => {
    await gate;
    return call(...args);
  }) as MemoryStore[K];
  return release;
}

/** Keeps servers alive through fake time: each reports every interval. */
export async function advance(ms: number, ...alive: FakeServer[]) {
  for (let t = 0; t < ms; t += REPORT_MS / 2) {
    for (const s of alive) s.report();
    await jest.advanceTimersByTimeAsync(Math.min(REPORT_MS / 2, ms - t));
  }
}

export const settle = () => jest.advanceTimersByTimeAsync(0);
