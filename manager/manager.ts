import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { type GameServer, GameServerState, type Room } from "../gen/roomgate/v1/common_pb.js";
import type { AllocateRoomRequest } from "../gen/roomgate/v1/manager_pb.js";
import type { Logger } from "../common/log.js";
import { DEFAULT_RECONNECT_MAX_DELAY_MS } from "../common/store/redis-connection.js";
import type {
  ClusterEvents as EventChannel,
  ManagerBus,
  PlacementStrategy,
  ServerRegistry,
} from "../common/store/store.js";
import { Allocator, type AllocatorStore } from "./allocator.js";
import { ClusterEvents } from "./cluster-events.js";
import { CommandRouter } from "./commands.js";
import { fromStore, noSuchServer, serverNotConnected } from "./errors.js";
import { Failover, type FailoverStore } from "./failover.js";
import { Reconciler, type ReconcilerStore } from "./reconcile.js";
import { RoomEvents, type RoomEventsStore } from "./room-events.js";
import { RoomMover, type RoomMoverStore } from "./room-mover.js";
import type { AttachHandler, Session } from "./session.js";
import { AttachStreams, type StreamsStore } from "./streams.js";
import { exportClusterGauges, measuredAllocation } from "./metrics.js";

// The Manager core, wired in one place: allocation (allocator.ts), command routing (commands.ts),
// the Attach streams (streams.ts), room events (room-events.ts), cleanup and reconciliation
// (reconcile.ts), room moves (room-mover.ts) and the sweep (failover.ts); operator calls are here.

/** Every part's store, and what operator calls read and drain; the bus carries commands, events reach dashboards. */
export type ManagerStore = AllocatorStore &
  FailoverStore &
  ReconcilerStore &
  RoomEventsStore &
  RoomMoverStore &
  StreamsStore &
  ServerRegistry &
  ManagerBus &
  Pick<EventChannel, "publishEvent">;

export interface ManagerOptions {
  store: ManagerStore;
  log: Logger;
  /** Reports a server may miss before it is dead. */
  missedReports: number;
  /** How long before its death deadline an idle server must report (see AttachStreamsOptions). Default 1000. */
  heartbeatSlackMs?: number;
  /** How long the port of a server whose stream ended may take to refuse (dead at once); 0: no probe. */
  crashProbeMs: number;
  /** How long before its death deadline a cut-off server fences its rooms; undefined: no fencing. */
  fenceMarginMs?: number;
  /**
   * Whether the store answers now (a Redis store's connection is up): grpc.health.v1 says SERVING
   * only then, and reports are answered store_down at once otherwise. Always, by default.
   */
  storeReachable?: () => boolean;
  /** Load reports arriving within this window are recorded in one store call; 0: one call each. Default 0. */
  loadBatchMs?: number;
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

// Several Managers may share one store: each holds the streams of the servers attached to it,
// while rooms are placed by atomic store operations over every live server, commands reach a
// server through the store's bus, and work that must happen once (declaring a server dead,
// moving a room) is claimed in the store by epoch or lease.
export class Manager {
  readonly id: string;
  private readonly router: CommandRouter;
  private readonly streams: AttachStreams;
  private readonly failover: Failover;
  private readonly allocator: Allocator;
  private unexport?: () => void;

  constructor(private readonly o: ManagerOptions) {
    const { store, log, openRoomTimeoutMs, maxSnapshotBytes, missedReports, migrationTimeoutMs, idempotencyTtlMs } = o;
    const strategy = o.placementStrategy ?? "distributed";
    const sweepIntervalMs = o.sweepIntervalMs ?? 250;
    const maxOpenAttempts = o.maxOpenAttempts ?? 3;
    const storeReconnectMaxMs = o.storeReconnectMaxMs ?? DEFAULT_RECONNECT_MAX_DELAY_MS;
    this.id = o.managerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
    const core = { store, log, now: o.now ?? Date.now, events: new ClusterEvents(store, log) };
    // Each part gets its collaborators through its constructor, lower parts first; none calls back up.
    const router = new CommandRouter({ store, log, openRoomTimeoutMs });
    const mover = new RoomMover({
      ...core,
      router,
      strategy,
      openRoomTimeoutMs,
      maxOpenAttempts,
      migrationTimeoutMs,
      sweepIntervalMs,
    });
    const reconciler = new Reconciler({ ...core, mover, maxSnapshotBytes, strategy });
    const failover = new Failover({
      ...core,
      managerId: this.id,
      router,
      mover,
      reconciler,
      sweepIntervalMs,
      openRoomTimeoutMs,
      missedReports,
      storeReconnectMaxMs,
      fenceMarginMs: o.fenceMarginMs,
    });
    const roomEvents = new RoomEvents({ ...core, router, reconciler, maxSnapshotBytes });
    this.streams = new AttachStreams({
      ...core,
      managerId: this.id,
      router,
      reconciler,
      roomEvents,
      failover,
      missedReports,
      heartbeatSlackMs: o.heartbeatSlackMs ?? 1000,
      crashProbeMs: o.crashProbeMs,
      loadBatchMs: o.loadBatchMs ?? 0,
      fenceMarginMs: o.fenceMarginMs,
      storeReachable: o.storeReachable,
    });
    this.allocator = new Allocator({
      ...core,
      managerId: this.id,
      router,
      strategy,
      openRoomTimeoutMs,
      idempotencyTtlMs,
      maxOpenAttempts,
    });
    this.router = router;
    this.failover = failover;
  }

  /** Joins the bus and starts sweeping; the grace before declaring anyone dead starts now. */
  async start() {
    await this.failover.start();
    await this.router.joinBus();
    this.unexport = exportClusterGauges(this.o.store);
  }

  allocate(req: AllocateRoomRequest): Promise<{ room: Room; created: boolean }> {
    return measuredAllocation(() => this.allocator.allocate(req));
  }

  /** A game server opened an Attach stream. */
  attach(session: Session): AttachHandler {
    return this.streams.attach(session);
  }

  /** Asks a server to drain (it behaves as on SIGTERM); it stops getting rooms at once. */
  async drain(serverId: string): Promise<GameServer> {
    const s = await fromStore(() => this.o.store.getServer(serverId));
    if (!s) throw noSuchServer(serverId);
    if (s.state === GameServerState.SUSPECT) throw serverNotConnected(serverId);
    await fromStore(() =>
      this.o.store.setServerState({ id: serverId, epoch: s.epoch, state: GameServerState.DRAINING }),
    );
    this.router.command(serverId, { case: "drain", value: {} });
    this.o.log.info("asked game server to drain", { serverId });
    s.state = GameServerState.DRAINING;
    return s;
  }

  async listServers(): Promise<GameServer[]> {
    return fromStore(() => this.o.store.listServers());
  }

  /**
   * Stops sweeping and pending work and ends every Attach stream, so a shutdown need not wait for
   * streams that never end on their own; game servers reconnect (to another Manager, if any).
   */
  close() {
    this.unexport?.();
    this.streams.close();
    this.failover.stop().catch((e) => this.o.log.debug("could not withdraw the heartbeat", { error: String(e) }));
    this.router.close("manager shutting down");
  }
}
