// A RoomAllocator for the Gateway's own tests: places rooms straight into a store as a Manager
// would (OPENING, then OPEN with a ROOM_ALLOCATED event; or, on a server that opens rooms on their
// first join token, answered OPENING), with no Manager or game server running.

import { create } from "@bufbuild/protobuf";
import type { Room } from "../gen/roomgate/v1/common_pb.js";
import { ClusterEventKind, ClusterEventSchema } from "../gen/roomgate/v1/gateway_pb.js";
import {
  type AllocateRoomRequest,
  type AllocateRoomResponse,
  AllocateRoomResponseSchema,
} from "../gen/roomgate/v1/manager_pb.js";
import { overCapMessage, type RoomStore } from "../common/store/store.js";
import type { RoomAllocator } from "../gateway/matchmaking/dependencies.js";
import { MatchError } from "../gateway/matchmaking/errors.js";

export class FakeAllocator implements RoomAllocator {
  readonly requests: AllocateRoomRequest[] = [];
  /** Answers for the next calls, in order, before any room is placed: an error to throw or a reply. */
  readonly scripted: (Error | AllocateRoomResponse)[] = [];
  /** While set, placed rooms stay OPENING until it resolves (a server slow to open them). */
  opening?: Promise<void>;
  private placedOne: (room: Room) => void = () => {};
  /** Resolves once the next room is in the store (still OPENING while `opening` is pending). */
  placed = new Promise<Room>((resolve) => (this.placedOne = resolve));

  constructor(private readonly store: RoomStore) {}

  /** A store with one LIVE server in `region`, and an allocator over it. */
  static async withServer(
    store: RoomStore,
    region = "local",
    capacity = { maxRooms: 100, maxPlayers: 1000 },
    opensOnToken = false,
  ): Promise<FakeAllocator> {
    const now = Date.now();
    await store.registerServer({
      id: `gs-${region}`,
      address: `ws://${region}.test:7001`,
      region,
      zone: "",
      labels: {},
      ...capacity,
      reportIntervalMs: 1000,
      managerId: "",
      nowMs: now,
      expiresAtMs: now + 3_600_000,
      opensOnToken,
    });
    return new FakeAllocator(store);
  }

  async allocateRoom(req: AllocateRoomRequest): Promise<AllocateRoomResponse> {
    this.requests.push(req);
    const scripted = this.scripted.shift();
    if (scripted instanceof Error) throw scripted;
    if (scripted) return scripted;
    const now = Date.now();
    const result = await this.store.allocateRoom({
      roomId: req.roomId,
      creatorPlayerId: req.creatorPlayerId,
      requestId: req.requestId || undefined,
      idempotencyTtlMs: 60_000,
      openDeadlineMs: now + 60_000,
      tokenOpenDeadlineMs: now + 60_000 + req.firstJoinTimeoutMs,
      holdUntilMs: now + req.firstJoinTimeoutMs,
      strategy: "distributed",
      regions: req.regions,
      labels: req.labels,
      excluded: [],
      seats: req.maxPlayers,
      nowMs: now,
      visibility: req.visibility,
      mode: req.mode,
      metadata: req.metadata,
      owner: req.owner,
    });
    switch (result.kind) {
      case "collision":
        throw new MatchError("room_id_taken", `room ${req.roomId} exists`);
      case "full":
      case "none":
      case "unreached":
      case "needs_open":
        throw new Error(`no server for the room (${result.kind})`);
      case "existing":
        return create(AllocateRoomResponseSchema, { room: result.room, created: false });
      case "over_cap":
        throw new MatchError("over_cap", overCapMessage(result, req.firstJoinTimeoutMs));
    }
    const room = result.room;
    this.placedOne(room);
    this.placed = new Promise<Room>((resolve) => (this.placedOne = resolve));
    const allocated = create(ClusterEventSchema, {
      kind: ClusterEventKind.ROOM_ALLOCATED,
      roomId: room.roomId,
      serverId: room.serverId,
    });
    if (result.opensOnToken) {
      await this.store.publishEvent(allocated);
      return create(AllocateRoomResponseSchema, { room, created: true });
    }
    await this.opening;
    await this.store.confirmRoom({ roomId: room.roomId, serverId: room.serverId, nowMs: Date.now() });
    await this.store.publishEvent(allocated);
    return create(AllocateRoomResponseSchema, { room: (await this.store.getRoom(room.roomId))!, created: true });
  }

  close() {}
}
