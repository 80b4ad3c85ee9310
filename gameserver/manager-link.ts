import * as grpc from "@grpc/grpc-js";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type AttachRequest,
  AttachRequestSchema,
  type AttachResponse,
  type Register,
  RoomCloseReason,
} from "../gen/roomgate/v1/manager_pb.js";
import { ManagerClients } from "../common/manager-channel.js";
import type { Logger } from "../common/log.js";
import { type Backoff, backoffDelay } from "@roomgate/client/protocol/backoff";
import type { RoomEvents, RoomHost } from "./room-host.js";
import { ReportPacer } from "./report-pacer.js";
import type { RoomCleanup } from "./room-cleanup.js";
import { FenceLease } from "./fence-lease.js";
import { fencing } from "./metrics.js";
import { probeTarget } from "../common/port-probe.js";
import type { LoadWriter } from "./load-writer.js";

// The game server's side of the Attach stream: registers, reports load on a timer (when it changed,
// or as the Manager's heartbeat asks: report-pacer.ts), forwards room
// events and snapshots, obeys open/close/drain commands, and reconnects with backoff when the
// stream breaks. While it is down, rooms keep running for as long as the fencing lease
// (fence-lease.ts) lasts: a report answered by a Manager renews it; without answers, the link moves
// to another Manager, and once the lease runs out it stops every room (fences) before any Manager
// may move them. The next registration tells the Manager which rooms still exist. The link drives
// the RoomHost and hears its RoomEvents (server.ts subscribes it); the host knows nothing of the link.
// With a RoomCleanup, a room that ended here is removed from the store (and announced) here; only
// one it could not remove is sent as `closed`. With a LoadWriter, load reports go to the store
// rather than to the Manager (load-writer.ts), and the store's answer renews the lease.

export interface ManagerLinkOptions {
  /** MANAGER_ADDRESS: one Manager, a DNS name of several, or a comma-separated list. */
  managerAddress: string;
  /** TLS for the link (INTERNAL_TLS_*); cleartext when absent. */
  credentials?: grpc.ChannelCredentials;
  /** The rooms this link registers, reports and obeys commands for. */
  host: RoomHost;
  /** What this server registers as; the rooms it runs are added at each registration. */
  registration: Omit<Register, "roomIds" | "closedRoomIds" | "fencedRoomIds" | "$typeName" | "$unknown">;
  log: Logger;
  /** The Manager told this server to drain (an operator's `roomgate drain`); drain as on SIGTERM. */
  onDrain?: () => void;
  /** Removes rooms that ended here from the store before `closed` goes (REMOVE_ENDED_ROOMS); absent: the Manager does. */
  cleanup?: RoomCleanup;
  /** Writes load reports to the store itself (WRITE_LOAD_REPORTS); absent: they go to the Manager. */
  loads?: LoadWriter;
  /** STORE_OUTAGE_GRACE_MS: how long store-down answers keep the lease (FenceLeaseOptions). */
  storeOutageGraceMs: number;
  /** The lease's clock; monotonic (performance.now) by default. */
  now?: () => number;
}

type Init = MessageInitShape<typeof AttachRequestSchema>["msg"];

export class ManagerLink implements RoomEvents {
  private readonly managers: ManagerClients;
  /** The Manager the current (or last) stream went to. */
  private manager = "";
  private call?: grpc.ClientDuplexStream<AttachRequest, AttachResponse>;
  private registered = false;
  private stopping = false;
  private reportTimer?: NodeJS.Timeout;
  private readonly pacer: ReportPacer;
  private retryTimer?: NodeJS.Timeout;
  /** Reconnects since the last registration: the next one waits backoffDelay(failures). */
  private failures = 0;
  private readonly backoff: Backoff;
  private readonly registeredWaiters: (() => void)[] = [];
  /** The rooms the last registration said we run: the only ones its answer may take away. */
  private announced: string[] = [];
  /** Rooms that closed while no Manager listened; told at the next registration. */
  private readonly closedWhileAway = new Set<string>();
  /**
   * Rooms stopped by the last fence, told until a registration is answered: a move that opened one
   * here may not have finished in the store yet, and must not finish on a server without it.
   */
  private readonly fencedRooms = new Set<string>();
  private readonly lease: FenceLease;
  private readonly now: () => number;
  /** The last report number of the current stream (its registration is 0). */
  private sequence = 0;
  private leaseTimer?: NodeJS.Timeout;
  /** Fires when the lease runs out, to the millisecond (the periodic look may come later). */
  private fenceTimer?: NodeJS.Timeout;
  /** A store-down answer already sent this server to another Manager: not again until one records it. */
  private leftForStoreDown = false;
  /** A round of probes of the Managers' ports is under way. */
  private probing = false;

  constructor(private readonly o: ManagerLinkOptions) {
    // A returning Manager gives a server a few report intervals to attach again before it
    // declares it dead, so no retry (ours, or grpc-js's own reconnect backoff, which otherwise
    // grows to two minutes) may wait longer than one interval.
    const maxDelayMs = Math.min(5000, o.registration.reportIntervalMs);
    this.pacer = new ReportPacer(o.registration.reportIntervalMs);
    this.now = o.now ?? (() => performance.now());
    this.lease = new FenceLease({ storeOutageGraceMs: o.storeOutageGraceMs, now: this.now });
    this.backoff = { initialDelayMs: Math.min(100, maxDelayMs), maxDelayMs, jitter: 0.5 };
    this.managers = new ManagerClients({
      address: o.managerAddress,
      credentials: o.credentials,
      channelOptions: {
        // The Attach stream may be quiet between reports; keepalive still watches it.
        "grpc.keepalive_permit_without_calls": 1,
        "grpc.initial_reconnect_backoff_ms": this.backoff.initialDelayMs,
        "grpc.max_reconnect_backoff_ms": this.backoff.maxDelayMs,
      },
    });
  }

  start() {
    this.connect();
    this.reportTimer = setInterval(() => this.report(), this.o.registration.reportIntervalMs);
  }

  /** Resolves once the Manager has acknowledged a registration (now or after the next reconnect). */
  whenRegistered(): Promise<void> {
    if (this.registered) return Promise.resolve();
    return new Promise((resolve) => this.registeredWaiters.push(resolve));
  }

  get isRegistered() {
    return this.registered;
  }

  // RoomEvents, called by the RoomHost.
  opened(roomId: string, onToken = false) {
    this.send({ case: "roomEvent", value: { roomId, event: { case: "opened", value: { onToken } } } });
  }
  players(roomId: string, count: number, joined?: string) {
    this.send({
      case: "roomEvent",
      value: { roomId, event: { case: "players", value: { count, joinedPlayerIds: joined ? [joined] : [] } } },
    });
  }
  closed(roomId: string, reason: RoomCloseReason, snapshot?: Uint8Array) {
    // A fenced room is not over: it moves from its last snapshot when a Manager hears this server
    // is gone or back without it. A close would delete it.
    if (reason === RoomCloseReason.FENCED) return;
    const cleanup = this.o.cleanup;
    if (!cleanup?.removes(reason)) return this.sendClosed(roomId, reason, snapshot);
    // Nothing else is sent about a room once it closed, so its `closed` may wait for the store. A
    // room removed here was announced here too: the Manager has nothing left to do for it.
    void cleanup.remove(roomId, reason).then((removed) => {
      if (!removed) this.sendClosed(roomId, reason, snapshot);
    });
  }
  private sendClosed(roomId: string, reason: RoomCloseReason, snapshot: Uint8Array | undefined) {
    this.send({ case: "roomEvent", value: { roomId, event: { case: "closed", value: { reason, snapshot } } } });
  }
  snapshot(roomId: string, bytes: Uint8Array) {
    this.send({ case: "roomEvent", value: { roomId, event: { case: "snapshot", value: { snapshot: bytes } } } });
  }

  /** Tells the Manager this server takes no new rooms. */
  draining() {
    this.send({ case: "draining", value: {} });
  }

  /**
   * Ends the stream after everything queued so far is sent (the `closed` of rooms still being
   * removed from the store included); resolves when the Manager has it.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearInterval(this.reportTimer);
    clearTimeout(this.retryTimer);
    clearInterval(this.leaseTimer);
    clearTimeout(this.fenceTimer);
    await this.o.cleanup?.settled();
    const call = this.call;
    if (!call) {
      this.managers.close();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.managers.close();
        resolve();
      };
      const timer = setTimeout(() => {
        call.cancel();
        done();
      }, timeoutMs);
      call.once("status", done);
      call.end();
    });
  }

  private connect() {
    if (this.stopping) return;
    // Each attempt goes to the next Manager in turn, those known to be failing last: when the
    // Manager holding this stream dies, the server re-registers with another within a backoff.
    const { client, target } = this.managers.order()[0]!;
    this.manager = target;
    const call = (client as unknown as { attach(): grpc.ClientDuplexStream<AttachRequest, AttachResponse> }).attach();
    this.call = call;
    this.registered = false;
    // A stream this link left (abandon) may still deliver what was under way: an answer to its
    // registration there would clear what the current one has yet to tell.
    call.on("data", (msg: AttachResponse) => {
      if (this.call === call) this.onCommand(msg);
    });
    call.on("error", (e: grpc.ServiceError) => {
      // A stream this link left (abandon) ends as cancelled: nothing failed.
      if (!this.stopping && this.call === call)
        this.o.log.warn("manager stream failed", { code: grpc.status[e.code], details: e.details });
    });
    call.on("status", () => this.disconnected(call));
    this.announced = this.o.host.roomIds();
    this.sequence = 0;
    this.lease.registering();
    call.write(
      create(AttachRequestSchema, {
        msg: {
          case: "register",
          value: {
            ...this.o.registration,
            roomIds: this.announced,
            // A room still being removed is closed too: the Manager must not move it as one we lost.
            closedRoomIds: [...this.closedWhileAway, ...(this.o.cleanup?.pending() ?? [])],
            // One opened here again since (moved back) is announced instead.
            fencedRoomIds: [...this.fencedRooms].filter((id) => !this.announced.includes(id)),
          },
        },
      }),
    );
  }

  private disconnected(call: grpc.ClientDuplexStream<AttachRequest, AttachResponse>) {
    if (this.call !== call) return;
    this.call = undefined;
    this.registered = false;
    if (this.stopping) return;
    // Jitter spreads a fleet's reconnects; it stays within one interval (0.5x to 1x the ceiling).
    // While a lease is held, the wait must leave another Manager time to answer before it runs out.
    const delay = backoffDelay(this.failures++, this.backoff);
    const leaseCap = this.lease.held ? this.lease.checkEveryMs : delay;
    this.retryTimer = setTimeout(() => this.connect(), Math.min(delay, leaseCap));
  }

  /** Leaves the current stream (unanswered, or its Manager cannot reach the store) for the next Manager, now. */
  private abandon(why: string) {
    const call = this.call;
    this.call = undefined;
    this.registered = false;
    clearTimeout(this.retryTimer);
    if (this.stopping) return;
    this.o.log.warn("leaving manager for another", { manager: this.manager, why });
    call?.cancel();
    this.connect();
  }

  /** Looks at the lease: renews it, leaves an unanswering Manager, or fences the rooms. */
  private checkLease() {
    if (!this.registered || this.lease.waiting) this.probeManagers();
    switch (this.lease.check()) {
      case "renew":
        this.report(true);
        return;
      case "abandon":
        // A registration still under way is its own renewal: wait for it (or for the fence).
        if (this.registered) this.abandon("no answer to a renewing report");
        return;
      case "fence":
        this.fence();
        return;
      default:
        return;
    }
  }

  /**
   * While no Manager answers: do they all refuse connections (their processes are gone, as when
   * the only Manager restarts)? Then none can declare this server dead before a new one starts and
   * waits a deadline, and the lease runs on from when the round began. A Manager that accepts, or
   * answers nothing (a partition), extends nothing.
   */
  private probeManagers() {
    if (this.probing || this.stopping || !this.lease.held) return;
    this.probing = true;
    const began = this.now();
    const timeoutMs = this.lease.checkEveryMs;
    void Promise.all(this.managers.targets.map((t) => probeTarget(t, timeoutMs)))
      .then((answers) => {
        if (!answers.every((a) => a === "refused") || this.stopping) return;
        this.lease.allRefused(began);
        this.leaseChanged();
      })
      .finally(() => {
        this.probing = false;
      });
  }

  /** The lease changed: look again on a timer, and fence the moment it runs out. */
  private leaseChanged() {
    if (!this.lease.held || this.stopping) return;
    if (!this.leaseTimer) this.leaseTimer = setInterval(() => this.checkLease(), this.lease.checkEveryMs);
    clearTimeout(this.fenceTimer);
    const left = this.lease.leaseUntil - this.now();
    this.fenceTimer = setTimeout(() => this.checkLease(), Math.max(0, Math.ceil(left)));
  }

  /**
   * No Manager confirmed this server for its lease: a Manager may declare it dead and move its rooms
   * soon, so they stop here first. The stream (registered or registering, announcing rooms that are
   * about to go) is left, and the server registers again with what it has.
   */
  private fence() {
    clearInterval(this.leaseTimer);
    this.leaseTimer = undefined;
    clearTimeout(this.fenceTimer);
    this.lease.lost();
    for (const id of this.o.host.roomIds()) this.fencedRooms.add(id);
    const rooms = this.o.host.fence();
    fencing.fences++;
    fencing.rooms += rooms;
    this.o.log.warn("fenced: no manager confirmed this server in time; its rooms stopped before they could move", {
      manager: this.manager,
      rooms,
    });
    this.abandon("fenced");
  }

  private onCommand(msg: AttachResponse) {
    const host = this.o.host;
    switch (msg.msg.case) {
      case "registered":
        this.registered = true;
        this.closedWhileAway.clear();
        this.fencedRooms.clear();
        this.failures = 0;
        this.leftForStoreDown = false;
        this.lease.registered(msg.msg.value.fenceMs);
        // The lease this Manager sets may differ from the last one's: look at the new pace.
        clearInterval(this.leaseTimer);
        this.leaseTimer = undefined;
        host.unfence();
        // Answered too late to hold a lease: with no room to fence, the first report's answer
        // (sent below) starts it, rather than a fence that would only register again.
        if (this.lease.expired && host.stats.rooms === 0) this.lease.lost();
        this.leaseChanged();
        // A room the Manager opened here after our registration left is not in its answer, and is ours.
        host.retainOnly(msg.msg.value.roomIds, this.announced);
        // This Manager session may hold no snapshot of our rooms yet (a Manager restarted).
        host.markAllDirty();
        this.o.log.info("registered with manager", { manager: this.manager, rooms: msg.msg.value.roomIds.length });
        this.pacer.registered(msg.msg.value.heartbeatIntervalMs);
        this.o.loads?.registered(Number(msg.msg.value.epoch), msg.msg.value.deadlineMs);
        this.report();
        for (const w of this.registeredWaiters.splice(0)) w();
        return;
      case "openRoom": {
        const { roomId, maxPlayers, firstJoinTimeoutMs, restore, snapshot, roomType, metadata } = msg.msg.value;
        const kind = { roomType, metadata };
        const refused = host.openRoom(roomId, maxPlayers, firstJoinTimeoutMs, restore ? { snapshot } : undefined, kind);
        if (refused)
          this.send({
            case: "roomEvent",
            value: { roomId, event: { case: "refused", value: { reason: refused.reason } } },
          });
        return;
      }
      case "closeRoom":
        host.closeRoom(msg.msg.value.roomId, RoomCloseReason.CLOSED_BY_MANAGER);
        return;
      case "drain":
        this.o.log.info("manager asked this server to drain", { manager: this.manager });
        this.o.onDrain?.();
        return;
      case "reportAnswer":
        this.answered(msg.msg.value.sequence, msg.msg.value.storeDown);
        return;
      default:
        return;
    }
  }

  /**
   * A Manager (or the store) answered a report: the lease runs on. A Manager that cannot reach the
   * store (it says so, or the store no longer holds its heartbeat: `managerLost`) sends this server
   * to the next Manager once (one that reaches the store takes it over); while they all say so,
   * store-down answers keep the lease for the outage grace.
   */
  private answered(sequence: number, storeDown: boolean, managerLost = storeDown) {
    if (!this.lease.answered(sequence, storeDown)) return;
    this.leaseChanged();
    if (!storeDown) this.o.loads?.managerRecorded();
    if (!managerLost) this.leftForStoreDown = false;
    else if (!this.leftForStoreDown && this.managers.targets.length > 1) {
      this.leftForStoreDown = true;
      this.abandon("its manager cannot reach the room store");
    }
  }

  /**
   * Sends the load when it changed, or when the Manager's heartbeat is due (right after registering:
   * both), or, `renew`, at once: the lease is half gone.
   */
  private report(renew = false) {
    if (!this.registered) return;
    const { rooms, players } = this.o.host.stats;
    const roomCpu = this.o.host.roomCpu();
    const load = { rooms, players, cpuMoved: roomCpu.length > 0 };
    if (renew) {
      this.pacer.sent(load);
      this.lease.renewing();
    } else if (!this.pacer.due(load)) return;
    const sequence = ++this.sequence;
    this.lease.sent(sequence);
    const report = { rooms, players, roomCpu, sequence };
    const written = this.o.loads?.write({ players, roomCpu });
    if (!written) return this.send({ case: "load", value: report });
    const call = this.call;
    void written.then((outcome) => {
      // An answer about another stream's registration says nothing about this one.
      if (this.call !== call || !this.registered) return;
      if (outcome === "failed") this.send({ case: "load", value: report });
      // Declared dead (its rooms moved) or registered again elsewhere, as a Manager would have said.
      else if (outcome === "stale") this.abandon("the store holds a newer life of this server");
      // Recorded; "unheard": this server's Manager lost the store (its heartbeat there ran out).
      // Leaving at once, as on a Manager's store_down answer: the servers a silent Manager holds
      // get no new rooms (placement skips them), so waiting for a second answer only keeps their
      // capacity out of use longer (the chaos suite's cut Manager saw CreateRooms fail then).
      else this.answered(sequence, false, outcome === "unheard");
    });
  }

  private send(msg: Init) {
    // Events while the stream is down are dropped on purpose: the next registration carries the
    // rooms that still exist, and the Manager reconciles from that.
    // While stopping, only the goodbyes (draining, rooms closed) still go out.
    if (
      !this.call &&
      msg?.case === "roomEvent" &&
      msg.value.event?.case === "closed" &&
      this.closedWhileAway.size < 100_000
    ) {
      this.closedWhileAway.add(msg.value.roomId ?? "");
    }
    if (!this.call || (this.stopping && msg?.case !== "roomEvent" && msg?.case !== "draining")) return;
    this.call.write(create(AttachRequestSchema, { msg }));
  }
}
