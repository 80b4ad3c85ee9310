import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { type GameServer, GameServerState, type Room, RoomState, RoomVisibility } from "../gen/roomgate/v1/common_pb.js";
import { ClusterEventKind, ClusterEventSchema } from "../gen/roomgate/v1/gateway_pb.js";
import {
  type AllocateRoomRequest,
  type AttachRequest,
  type AttachResponse,
  AttachResponseSchema,
  type Register,
  RoomCloseReason,
  type RoomEvent,
} from "../gen/roomgate/v1/manager_pb.js";
import type { Logger } from "../common/log.js";
import { DEFAULT_RECONNECT_MAX_DELAY_MS } from "../common/store/redis-connection.js";
import type { ClusterEvents, ManagerBus, PlacementStrategy, Seats } from "../common/store/store.js";
import { ackOf, commandFor, readBus } from "./bus.js";
import { ManagerError, allFull, noConfirmation, noServers, noServersWith, roomMoving, storeDown } from "./errors.js";
import { Failover, type FailoverStore } from "./failover.js";
import { PendingOpens } from "./pending-opens.js";
import type { Session } from "./session.js";

/** The Manager places rooms, records what servers report, and runs failover; the bus carries its commands. */
export type ManagerStore = FailoverStore & Pick<Seats, "setRoomPlayers"> & ManagerBus & Pick<ClusterEvents, "publishEvent">;

export interface ManagerOptions {
  store: ManagerStore;
  log: Logger;
  /** Reports a server may miss before it is dead. */
  missedReports: number;
  openRoomTimeoutMs: number;
  idempotencyTtlMs: number;
  /** How long a room whose server died may wait for a new one before it is given up. */
  migrationTimeoutMs: number;
  /** Largest room snapshot kept in the store; larger ones are dropped with a warning. */
  maxSnapshotBytes: number;
  /** Longest any Manager waits between two attempts to reconnect to the store (default 1000). */
  storeReconnectMaxMs?: number;
  /** How often this Manager looks for dead servers, stuck rooms and rooms to move. */
  sweepIntervalMs?: number;
  /** Servers to try when one fails to confirm a room. */
  maxOpenAttempts?: number;
  /** distributed (the default) or packed. */
  placementStrategy?: PlacementStrategy;
  /** Unique among the Managers sharing a store. */
  managerId?: string;
  now?: () => number;
}

/** A game server whose Attach stream this Manager holds. */
interface Attached {
  id: string;
  epoch: number;
  reportIntervalMs: number;
  session: Session;
  draining: boolean;
}

/** What the transport feeds one Attach stream into. */
export interface AttachHandler {
  onMessage(msg: AttachRequest): void;
  onEnd(): void;
}

type Command = MessageInitShape<typeof AttachResponseSchema>["msg"];

// Several Managers may share one store: each holds the streams of the servers attached to it,
// while rooms are placed by atomic store operations over every live server, commands reach a
// server through the store's bus, and work that must happen once (declaring a server dead,
// moving a room) is claimed in the store by epoch or lease.
export class Manager {
  readonly id: string;
  private readonly servers = new Map<string, Attached>();
  private readonly opens = new PendingOpens();
  private readonly failover: Failover;
  readonly now: () => number;
  private readonly strategy: PlacementStrategy;
  private unsubscribe?: () => void;
  private closed = false;
  /** Rooms that ended while the store could not record it; replayed when it is back. */
  private readonly unrecordedCloses = new Map<string, string>();
  /** When each server's failing messages were last logged (one line per server per outage). */
  private readonly lastFailureLog = new Map<string, number>();

  constructor(private readonly o: ManagerOptions) {
    this.now = o.now ?? Date.now;
    this.strategy = o.placementStrategy ?? "distributed";
    this.id = o.managerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
    this.failover = new Failover({
      managerId: this.id,
      store: o.store,
      log: o.log,
      now: this.now,
      sweepIntervalMs: o.sweepIntervalMs ?? 250,
      openRoomTimeoutMs: o.openRoomTimeoutMs,
      maxOpenAttempts: o.maxOpenAttempts ?? 3,
      migrationTimeoutMs: o.migrationTimeoutMs,
      missedReports: o.missedReports,
      storeReconnectMaxMs: o.storeReconnectMaxMs ?? DEFAULT_RECONNECT_MAX_DELAY_MS,
      strategy: this.strategy,
      open: (room, restore, snapshot) => this.open(room, 0, restore, snapshot),
      command: (serverId, command) => this.command(serverId, command),
      event: (kind, fields) => this.event(kind, fields),
      buried: (serverId, epoch) => this.forget(serverId, epoch, "declared dead"),
      storeBack: () => this.replayCloses(),
    });
  }

  /** Joins the bus and starts sweeping; the grace before declaring anyone dead starts now. */
  async start() {
    await this.failover.start();
    await this.joinBus();
  }

  /** Keeps trying while the store is down: a Manager started during an outage serves `unavailable` until it is back. */
  private async joinBus() {
    while (!this.closed) {
      try {
        this.unsubscribe = await this.o.store.subscribeBus((bytes) => this.onBus(bytes));
        return;
      } catch (e) {
        this.o.log.warn("cannot subscribe to the Manager bus yet; retrying", { error: String(e) });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private deathDeadline(reportIntervalMs: number) {
    return this.now() + reportIntervalMs * this.o.missedReports;
  }

  // ---- allocation ---------------------------------------------------------------------------

  async allocate(req: AllocateRoomRequest): Promise<{ room: Room; created: boolean }> {
    const excluded: string[] = [];
    const attempts = this.o.maxOpenAttempts ?? 3;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const now = this.now();
      const result = await this.store(() =>
        this.o.store.allocateRoom({
          roomId: req.roomId,
          strategy: this.strategy,
          regions: [...new Set([req.region, ...req.regions].filter((r) => r !== ""))],
          labels: req.labels,
          excluded,
          seats: req.maxPlayers,
          creatorPlayerId: req.creatorPlayerId,
          requestId: req.requestId || undefined,
          idempotencyTtlMs: this.o.idempotencyTtlMs,
          nowMs: now,
          openDeadlineMs: now + this.o.openRoomTimeoutMs + 1000,
          holdUntilMs: now + req.firstJoinTimeoutMs,
          visibility: req.visibility || RoomVisibility.PRIVATE,
          mode: req.mode,
          metadata: req.metadata,
        }),
      );
      switch (result.kind) {
        case "none":
          // No live server at all is `unavailable`; "full" is the store's verdict on real candidates.
          if (excluded.length > 0) throw noConfirmation();
          throw Object.keys(req.labels).length > 0 ? noServersWith(req.labels) : noServers();
        case "full":
          throw allFull();
        case "collision": {
          // The same request again (a Gateway retrying on another Manager after one died): the
          // creator's random player id proves it is ours.
          const prior = await this.store(() => this.o.store.getRoom(req.roomId));
          if (prior && req.creatorPlayerId && prior.creatorPlayerId === req.creatorPlayerId) {
            return { room: await this.existing(prior, req.firstJoinTimeoutMs), created: true };
          }
          throw new ManagerError("already_exists", `room ${req.roomId} exists`);
        }
        case "existing":
          return { room: await this.existing(result.room, req.firstJoinTimeoutMs), created: false };
      }
      const room = result.room;
      try {
        await this.open(room, req.firstJoinTimeoutMs);
        if (!(await this.store(() => this.o.store.confirmRoom({ roomId: room.roomId, serverId: room.serverId, nowMs: this.now() })))) throw new Error("room was reclaimed before it was confirmed");
        room.state = RoomState.OPEN;
        this.o.log.debug("room allocated", { roomId: room.roomId, serverId: room.serverId });
        this.event(ClusterEventKind.ROOM_ALLOCATED, { roomId: room.roomId, serverId: room.serverId, detail: `${room.maxPlayers} seats` });
        return { room, created: true };
      } catch (e) {
        if (e instanceof ManagerError) throw e;
        this.o.log.warn("server did not open room; trying another", { serverId: room.serverId, error: (e as Error).message });
        excluded.push(room.serverId);
        await this.store(() => this.o.store.deleteRoom(room.roomId, room.serverId));
      }
    }
    throw noConfirmation();
  }

  /** A retry found the room its request made: hand it out only once its server has it open. */
  private async existing(room: Room, firstJoinTimeoutMs: number): Promise<Room> {
    if (room.state === RoomState.OPEN) return room;
    if (room.state === RoomState.MOVING) throw roomMoving();
    try {
      // The first request may still be waiting here, or it ran on a Manager that died.
      await (this.opens.inFlight(room.roomId) ?? this.open(room, firstJoinTimeoutMs));
    } catch {
      throw noConfirmation();
    }
    if (!(await this.store(() => this.o.store.confirmRoom({ roomId: room.roomId, serverId: room.serverId, nowMs: this.now() })))) throw noConfirmation();
    room.state = RoomState.OPEN;
    return room;
  }

  /** Sends open_room to the room's server, wherever its stream is, and waits for the answer. */
  private open(room: Room, firstJoinTimeoutMs: number, restore = false, snapshot?: Uint8Array): Promise<void> {
    const done = this.opens.expect(room.roomId, room.serverId, this.o.openRoomTimeoutMs);
    this.command(room.serverId, {
      case: "openRoom",
      value: { roomId: room.roomId, maxPlayers: room.maxPlayers, firstJoinTimeoutMs, restore, snapshot: snapshot ?? new Uint8Array() },
    });
    return done;
  }

  /** Delivers a command to a game server: on our own stream, or through the bus to the Manager holding it. */
  private command(serverId: string, msg: Command) {
    const local = this.servers.get(serverId);
    const command = create(AttachResponseSchema, { msg });
    if (local) {
      local.session.send(command);
      return;
    }
    this.o.store.publishBus(commandFor(serverId, command)).catch((e) => this.o.log.warn("could not reach the bus", { error: String(e) }));
  }

  private onBus(bytes: Uint8Array) {
    const msg = readBus(bytes);
    if (!msg) return;
    if (msg.msg.case === "command") {
      const { serverId, command } = msg.msg.value;
      if (command) this.servers.get(serverId)?.session.send(command as AttachResponse);
    } else if (msg.msg.case === "ack") {
      const { roomId, serverId, error } = msg.msg.value;
      this.opens.settle(roomId, error ? new Error(error) : undefined, serverId);
    }
  }

  // ---- game server streams ------------------------------------------------------------------

  attach(session: Session): AttachHandler {
    let server: Attached | undefined;
    let ended = false;
    // Events of one stream are applied in order: a room's "opened" before its "closed".
    let chain: Promise<unknown> = Promise.resolve();
    const run = (fn: () => Promise<unknown>) => {
      chain = chain.then(fn).catch((e) => this.messageFailed(server?.id ?? "", e));
    };
    return {
      onMessage: (msg) => {
        if (ended) return;
        if (!server) {
          // The fields of a registration are checked at the edge (manager.proto); the order is ours.
          if (msg.msg.case !== "register") {
            const problem = "the first message on Attach must be register";
            this.o.log.warn("refused registration", { problem });
            session.close(problem);
            ended = true;
            return;
          }
          const reg = msg.msg.value;
          const s: Attached = { id: reg.serverId, epoch: 0, reportIntervalMs: reg.reportIntervalMs, session, draining: false };
          server = s;
          run(() =>
            this.register(s, reg).catch((e) => {
              // Without a registration the server would never get rooms; make it try again.
              this.o.log.error("registration failed", { serverId: s.id, error: String(e) });
              session.close("registration failed: " + String(e));
            }),
          );
          return;
        }
        const s = server;
        run(() => this.handle(s, msg));
      },
      onEnd: () => {
        if (ended) return;
        ended = true;
        const s = server;
        if (s) run(() => this.detached(s));
      },
    };
  }

  private async register(s: Attached, reg: Register) {
    const previous = this.servers.get(s.id);
    if (previous && previous !== s) previous.session.close("replaced by a newer registration of the same server");
    this.servers.set(s.id, s);
    const { epoch, roomIds } = await this.o.store.registerServer({
      id: reg.serverId,
      address: reg.address,
      region: reg.region,
      zone: reg.zone,
      labels: reg.labels,
      maxRooms: reg.maxRooms,
      maxPlayers: reg.maxPlayers,
      reportIntervalMs: reg.reportIntervalMs,
      managerId: this.id,
      nowMs: this.now(),
      expiresAtMs: this.deathDeadline(reg.reportIntervalMs),
    });
    s.epoch = epoch;
    // Rooms the store maps here that the server no longer runs (it restarted) move elsewhere from
    // their last snapshot; rooms it runs that the store does not map here it closes on `registered`.
    const running = new Set(reg.roomIds);
    const closed = new Set(reg.closedRoomIds);
    const kept: string[] = [];
    for (const roomId of roomIds) {
      if (running.has(roomId)) kept.push(roomId);
      else if (closed.has(roomId)) await this.roomClosed(s, roomId, RoomCloseReason.EMPTY, new Uint8Array());
      else await this.lostBy(s.id, roomId);
    }
    s.session.send(create(AttachResponseSchema, { msg: { case: "registered", value: { roomIds: kept } } }));
    this.o.log.info("game server registered", { serverId: s.id, address: reg.address, region: reg.region, epoch, rooms: kept.length, manager: this.id });
    this.event(ClusterEventKind.SERVER_REGISTERED, { serverId: s.id, detail: `${reg.region} ${reg.address}` });
  }

  /** A server came back without a room the store gave it. */
  private async lostBy(serverId: string, roomId: string) {
    const room = await this.o.store.getRoom(roomId);
    if (!room || room.serverId !== serverId) return;
    if (room.state === RoomState.OPEN && (await this.o.store.handOver({ roomId, serverId, nowMs: this.now(), leaseMs: this.failover.moveLeaseMs }))) {
      this.failover.moveSoon(roomId);
    } else if (room.state === RoomState.OPENING && (await this.o.store.deleteRoom(roomId, serverId))) {
      this.event(ClusterEventKind.ROOM_REMOVED, { roomId, serverId, detail: "server came back without it" });
    }
  }

  private async handle(s: Attached, msg: AttachRequest) {
    switch (msg.msg.case) {
      case "load":
        if (!(await this.o.store.recordLoad({ id: s.id, epoch: s.epoch, players: msg.msg.value.players, nowMs: this.now(), expiresAtMs: this.deathDeadline(s.reportIntervalMs) }))) {
          // Declared dead meanwhile (its rooms have moved), or registered again elsewhere: it must
          // register again and learn which rooms are still its own.
          s.session.close("registration is no longer current; register again");
        }
        return;
      case "roomEvent":
        return this.roomEvent(s, msg.msg.value);
      case "draining":
        s.draining = true;
        await this.o.store.setServerState({ id: s.id, epoch: s.epoch, state: GameServerState.DRAINING });
        this.o.log.info("game server draining", { serverId: s.id });
        this.event(ClusterEventKind.SERVER_DRAINING, { serverId: s.id });
        return;
      case "register":
        this.o.log.warn("ignored a second register on one stream", { serverId: s.id });
        return;
      default:
        return;
    }
  }

  private async roomEvent(s: Attached, ev: RoomEvent) {
    switch (ev.event.case) {
      case "opened":
      case "refused": {
        const error = ev.event.case === "refused" ? `server ${s.id} refused room: ${ev.event.value.reason}` : "";
        // The Manager waiting for this answer may be another one (it placed the room, or retried it).
        if (!this.opens.settle(ev.roomId, error ? new Error(error) : undefined, s.id)) await this.o.store.publishBus(ackOf(ev.roomId, s.id, error));
        return;
      }
      case "players":
        await this.o.store.setRoomPlayers({ roomId: ev.roomId, serverId: s.id, count: ev.event.value.count, joinedPlayerIds: ev.event.value.joinedPlayerIds, nowMs: this.now() });
        return;
      case "snapshot":
        if (ev.event.value.snapshot.byteLength > this.o.maxSnapshotBytes) {
          this.o.log.warn("dropped an oversized room snapshot", { roomId: ev.roomId, bytes: ev.event.value.snapshot.byteLength, limit: this.o.maxSnapshotBytes });
          return;
        }
        await this.o.store.saveSnapshot({ roomId: ev.roomId, serverId: s.id, snapshot: ev.event.value.snapshot });
        return;
      case "closed":
        return this.roomClosed(s, ev.roomId, ev.event.value.reason, ev.event.value.snapshot);
      default:
        return;
    }
  }

  private async roomClosed(s: Attached, roomId: string, reason: RoomCloseReason, snapshot: Uint8Array) {
    if (reason === RoomCloseReason.MIGRATING) {
      const snap = snapshot.byteLength > 0 && snapshot.byteLength <= this.o.maxSnapshotBytes ? snapshot : undefined;
      if (await this.o.store.handOver({ roomId, serverId: s.id, snapshot: snap, nowMs: this.now(), leaseMs: this.failover.moveLeaseMs })) {
        this.failover.moveSoon(roomId);
        return;
      }
    }
    let deleted: boolean;
    try {
      deleted = await this.o.store.deleteRoom(roomId, s.id);
    } catch (e) {
      // The room is over whatever the store says: record it as soon as the store is back, or
      // its mapping and capacity would stay forever.
      if (this.unrecordedCloses.size < 100_000) this.unrecordedCloses.set(roomId, s.id);
      throw e;
    }
    if (deleted) {
      this.o.log.debug("room closed", { roomId, serverId: s.id, reason });
      const why = (RoomCloseReason[reason] ?? "unspecified").toLowerCase().replace(/_/g, " ");
      this.event(ClusterEventKind.ROOM_REMOVED, { roomId, serverId: s.id, detail: why });
    }
  }

  /** The stream ended: no new rooms go there at once; it is dead unless it is back in time. */
  private async detached(s: Attached) {
    if (this.servers.get(s.id) !== s) return;
    this.servers.delete(s.id);
    this.opens.failServer(s.id, new Error(`server ${s.id} detached`));
    if (this.closed) return;
    if (s.draining) {
      // A draining server that hangs up has finished: whatever it still held moves now.
      await this.failover.bury(s.id, s.epoch, "drained");
      return;
    }
    await this.o.store.setServerState({ id: s.id, epoch: s.epoch, state: GameServerState.SUSPECT });
    this.o.log.warn("game server stream ended; suspect until it returns", { serverId: s.id });
    this.event(ClusterEventKind.SERVER_SUSPECT, { serverId: s.id, detail: "stream ended" });
  }

  private async replayCloses() {
    if (this.unrecordedCloses.size === 0) return;
    for (const [roomId, serverId] of [...this.unrecordedCloses]) {
      try {
        if (await this.o.store.deleteRoom(roomId, serverId)) this.event(ClusterEventKind.ROOM_REMOVED, { roomId, serverId, detail: "closed while the store was down" });
        this.unrecordedCloses.delete(roomId);
      } catch {
        return; // down again: the next recovery tries the rest
      }
    }
    if (this.unrecordedCloses.size === 0) this.o.log.info("recorded the rooms that closed while the store was down");
  }

  private messageFailed(serverId: string, e: unknown) {
    const now = this.now();
    if (now - (this.lastFailureLog.get(serverId) ?? -Infinity) < 5000) return;
    this.lastFailureLog.set(serverId, now);
    this.o.log.error("handling game server message failed (further failures of this server are not logged for 5 s)", { serverId, error: String(e) });
  }

  /** The store no longer has this life of the server: end its stream, if we hold it. */
  private forget(serverId: string, epoch: number, why: string) {
    const s = this.servers.get(serverId);
    if (!s || s.epoch !== epoch) return;
    this.servers.delete(serverId);
    s.session.close(why);
    this.opens.failServer(serverId, new Error(`server ${serverId} is gone`));
  }

  // ---- operators & lifecycle ----------------------------------------------------------------

  /** Asks a server to drain (it behaves as on SIGTERM); it stops getting rooms at once. */
  async drain(serverId: string): Promise<GameServer> {
    const s = await this.store(() => this.o.store.getServer(serverId));
    if (!s) throw new ManagerError("not_found", `no game server ${serverId}`);
    if (s.state === GameServerState.SUSPECT) throw new ManagerError("failed_precondition", `server ${serverId} is not connected; it will come back or be declared dead`);
    await this.store(() => this.o.store.setServerState({ id: serverId, epoch: s.epoch, state: GameServerState.DRAINING }));
    this.command(serverId, { case: "drain", value: {} });
    this.o.log.info("asked game server to drain", { serverId });
    s.state = GameServerState.DRAINING;
    return s;
  }

  async listServers(): Promise<GameServer[]> {
    return this.store(() => this.o.store.listServers());
  }

  /**
   * Stops sweeping and pending work and ends every Attach stream, so a shutdown need not wait for
   * streams that never end on their own; game servers reconnect (to another Manager, if any).
   */
  close() {
    this.closed = true;
    this.failover.stop().catch((e) => this.o.log.debug("could not withdraw the heartbeat", { error: String(e) }));
    this.unsubscribe?.();
    for (const s of this.servers.values()) s.session.close("manager shutting down");
    this.servers.clear();
    this.opens.clear();
  }

  /** Dashboards are told; a failure to tell them never fails the work itself. */
  private event(kind: ClusterEventKind, fields: { roomId?: string; serverId?: string; detail?: string }) {
    this.o.store
      .publishEvent(create(ClusterEventSchema, { time: timestampNow(), kind, ...fields }))
      .catch((e) => this.o.log.debug("could not publish cluster event", { error: String(e) }));
  }

  private async store<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw storeDown(e);
    }
  }
}
