import { create } from "@bufbuild/protobuf";
import { GameServerState } from "../gen/roomgate/v1/common_pb.js";
import { ClusterEventKind } from "../gen/roomgate/v1/gateway_pb.js";
import {
  type AttachRequest,
  AttachResponseSchema,
  type LoadReport,
  type Register,
} from "../gen/roomgate/v1/manager_pb.js";
import type { CommandRouter, HeldStream } from "./commands.js";
import type { Failover } from "./failover.js";
import type { Reconciler } from "./reconcile.js";
import type { RoomEvents } from "./room-events.js";
import type { AttachHandler, Session } from "./session.js";
import type { Liveness, ServerRegistry } from "../common/store/store.js";
import type { CoreDeps } from "./deps.js";
import { probePort } from "../common/port-probe.js";
import { LoadBatch } from "./load-batch.js";
import { fenceMs } from "./fence.js";
import { EventOrder } from "./event-order.js";

/** Looks at a detached server's port this many times, this far apart, before its reports decide. */
const CRASH_PROBES = 3;
const CRASH_PROBE_GAP_MS = 100;

/** Reports in one store call at most (each is a few dozen bytes of the script's arguments). */
const LOAD_BATCH_MAX = 500;

// The Attach stream of each game server: registration first, then load reports, room events and
// draining; each room's events in order, rooms side by side (event-order.ts); a stream that ends
// leaves its server suspect (or, draining, gone).

/** The streams register servers, record their reports and mark them draining or suspect. */
export type StreamsStore = ServerRegistry & Pick<Liveness, "recordLoads">;

export interface AttachStreamsOptions extends CoreDeps<StreamsStore> {
  managerId: string;
  router: CommandRouter;
  reconciler: Reconciler;
  roomEvents: RoomEvents;
  /** Removes a draining server that hung up. */
  failover: Failover;
  /** Reports a server may miss before it is dead. */
  missedReports: number;
  /**
   * A server whose load does not change may skip reports, but reports again this long (and at
   * least one of its intervals) before its death deadline: the heartbeat it is told at registration.
   */
  heartbeatSlackMs: number;
  /**
   * How long to wait for the port of a server whose stream ended to refuse a connection (its
   * process is gone: dead at once); 0 never asks, and every server waits for its missed reports.
   */
  crashProbeMs: number;
  /** Load reports that arrive within this window go to the store in one call; 0: each alone. */
  loadBatchMs: number;
  /**
   * How long before its death deadline a cut-off server fences its rooms (FENCE_MARGIN_MS, at
   * most half the deadline); undefined: no fencing (FENCING=false).
   */
  fenceMarginMs?: number;
  /** Whether the store answers now: when it does not, a report is answered store_down at once. */
  storeReachable?: () => boolean;
}

/** A game server whose Attach stream this Manager holds. */
interface Attached extends HeldStream {
  reportIntervalMs: number;
  draining: boolean;
  /** The stream has ended: the server left it (for another Manager, say), whatever is still queued here. */
  ended?: boolean;
  /** Where the server's process listens, as seen from here (Register.probe_port at the stream's address). */
  probe?: { host: string; port: number };
}

export class AttachStreams {
  /** When each server's failing messages were last logged (one line per server per outage). */
  private readonly lastFailureLog = new Map<string, number>();
  private closed = false;

  private readonly loads: LoadBatch;

  constructor(private readonly o: AttachStreamsOptions) {
    this.loads = new LoadBatch({
      store: o.store,
      windowMs: o.loadBatchMs,
      max: LOAD_BATCH_MAX,
      answerThrew: (e) => o.log.error("answering a load report failed", { error: String(e) }),
    });
  }

  attach(session: Session): AttachHandler {
    let server: Attached | undefined;
    let ended = false;
    const order = new EventOrder((e) => this.messageFailed(server?.id ?? "", e));
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
          const s: Attached = {
            id: reg.serverId,
            epoch: 0,
            reportIntervalMs: reg.reportIntervalMs,
            session,
            draining: false,
            probe: session.peerHost && reg.probePort > 0 ? { host: session.peerHost, port: reg.probePort } : undefined,
          };
          server = s;
          order.server(() =>
            this.register(s, reg).catch((e) => {
              // Without a registration the server would never get rooms; make it try again.
              this.o.log.error("registration failed", { serverId: s.id, error: String(e) });
              session.close("registration failed: " + String(e));
            }),
          );
          return;
        }
        const s = server;
        if (msg.msg.case === "roomEvent") {
          const ev = msg.msg.value;
          order.room(ev.roomId, () => this.o.roomEvents.apply(s.id, ev));
        } else if (msg.msg.case === "draining") order.server(() => this.handle(s, msg));
        // Load reports wait only for the registration (they name its epoch); nothing waits for them.
        else if (msg.msg.case === "load" && s.epoch > 0) this.load(s, msg.msg.value);
        else order.room("", () => this.handle(s, msg));
      },
      onEnd: () => {
        if (ended) return;
        ended = true;
        const s = server;
        if (!s) return;
        s.ended = true;
        order.server(() => this.detached(s));
      },
    };
  }

  /** A Manager shutting down leaves the servers as they are: they reconnect, here or elsewhere. */
  close() {
    this.closed = true;
  }

  private deathDeadline(reportIntervalMs: number) {
    return this.o.now() + reportIntervalMs * this.o.missedReports;
  }

  /**
   * The longest an idle server may stay silent: its death deadline less the slack a late report
   * needs (HEARTBEAT_SLACK_MS, and at least one interval); never under one interval, so servers
   * with short intervals report every interval, as all did before.
   */
  private heartbeat(reportIntervalMs: number) {
    const slack = Math.max(reportIntervalMs, this.o.heartbeatSlackMs);
    return Math.max(reportIntervalMs, reportIntervalMs * this.o.missedReports - slack);
  }

  /** The server's fencing lease (fence.ts); 0 with fencing off. */
  private fenceMs(reportIntervalMs: number) {
    return fenceMs(reportIntervalMs, this.o.missedReports, this.o.fenceMarginMs);
  }

  /** Answers report `sequence` (0: the registration); only once the store recorded it, unless storeDown. */
  private answer(s: Attached, sequence: number, storeDown: boolean) {
    if (this.fenceMs(s.reportIntervalMs) === 0) return;
    s.session.send(create(AttachResponseSchema, { msg: { case: "reportAnswer", value: { sequence, storeDown } } }));
  }

  private async register(s: Attached, reg: Register) {
    this.o.router.hold(s)?.session.close("replaced by a newer registration of the same server");
    // Unrecorded, and the server learns the store is down: it tries another Manager, and while
    // they all say so, keeps its rooms for its outage grace (nobody can declare it dead).
    const registered = await this.o.store
      .registerServer({
        id: reg.serverId,
        address: reg.address,
        region: reg.region,
        zone: reg.zone,
        labels: reg.labels,
        maxRooms: reg.maxRooms,
        maxPlayers: reg.maxPlayers,
        reportIntervalMs: reg.reportIntervalMs,
        managerId: this.o.managerId,
        nowMs: this.o.now(),
        expiresAtMs: this.deathDeadline(reg.reportIntervalMs),
        opensOnToken: reg.opensOnToken,
      })
      .catch((e: unknown) => {
        this.answer(s, 0, true);
        throw e;
      });
    const { epoch, roomIds } = registered;
    s.epoch = epoch;
    // The server left this stream while the store took the registration (it waited out an outage,
    // say): its room list is stale by now. It has registered again, or will, with what it runs; a
    // room it opened since, reconciled against this list, would move while it still runs it.
    if (s.ended) {
      this.o.log.info("registration recorded after its stream ended; not reconciled", { serverId: s.id, epoch });
      return;
    }
    const kept = await this.o.reconciler.registered({
      serverId: s.id,
      mapped: roomIds,
      running: reg.roomIds,
      closedWhileAway: reg.closedRoomIds,
      fenced: reg.fencedRoomIds,
      opensOnToken: reg.opensOnToken,
    });
    const fenceMs = this.fenceMs(reg.reportIntervalMs);
    // A fencing server renews its lease when half of it is left; an idle one must not stay silent longer.
    const heartbeat = this.heartbeat(reg.reportIntervalMs);
    const heartbeatIntervalMs = fenceMs > 0 ? Math.min(heartbeat, Math.floor(fenceMs / 2)) : heartbeat;
    s.session.send(
      create(AttachResponseSchema, {
        msg: {
          case: "registered",
          value: {
            roomIds: kept,
            heartbeatIntervalMs,
            fenceMs,
            // What a server needs to write its own reports to the store (docs/protocol.md).
            epoch: BigInt(epoch),
            deadlineMs: reg.reportIntervalMs * this.o.missedReports,
          },
        },
      }),
    );
    this.o.log.info("game server registered", {
      serverId: s.id,
      address: reg.address,
      region: reg.region,
      epoch,
      rooms: kept.length,
      manager: this.o.managerId,
    });
    this.o.events.publish(ClusterEventKind.SERVER_REGISTERED, {
      serverId: s.id,
      detail: `${reg.region} ${reg.address}`,
    });
  }

  private async handle(s: Attached, msg: AttachRequest) {
    switch (msg.msg.case) {
      case "load":
        this.load(s, msg.msg.value);
        return;
      case "draining":
        s.draining = true;
        await this.o.store.setServerState({ id: s.id, epoch: s.epoch, state: GameServerState.DRAINING });
        this.o.log.info("game server draining", { serverId: s.id });
        this.o.events.publish(ClusterEventKind.SERVER_DRAINING, { serverId: s.id });
        return;
      case "register":
        this.o.log.warn("ignored a second register on one stream", { serverId: s.id });
        return;
      default:
        return;
    }
  }

  /**
   * Not awaited: the server's next events need not wait for its report's batch. Answered once
   * recorded: the answer is what the server holds its fencing lease on.
   */
  private load(s: Attached, report: LoadReport) {
    const sequence = report.sequence;
    if (this.o.storeReachable && !this.o.storeReachable()) {
      this.answer(s, sequence, true);
      return;
    }
    this.loads.record(
      {
        id: s.id,
        epoch: s.epoch,
        players: report.players,
        roomCpu: report.roomCpu,
        nowMs: this.o.now(),
        expiresAtMs: this.deathDeadline(s.reportIntervalMs),
      },
      (failed, current) => {
        if (failed !== undefined) {
          this.answer(s, sequence, true);
          this.messageFailed(s.id, failed);
        } else if (!current) {
          // Declared dead meanwhile (its rooms have moved), or registered again elsewhere: it
          // must register again and learn which rooms are still its own.
          s.session.close("registration is no longer current; register again");
        } else this.answer(s, sequence, false);
      },
    );
  }

  /** The stream ended: no new rooms go there at once; it is dead unless it is back in time. */
  private async detached(s: Attached) {
    if (!this.o.router.release(s)) return;
    if (this.closed) return;
    if (s.draining) {
      // A draining server that hangs up has finished: whatever it still held moves now.
      await this.o.failover.bury(s.id, s.epoch, "drained");
      return;
    }
    await this.o.store.setServerState({ id: s.id, epoch: s.epoch, state: GameServerState.SUSPECT });
    this.o.log.warn("game server stream ended; suspect until it returns", { serverId: s.id });
    this.o.events.publish(ClusterEventKind.SERVER_SUSPECT, { serverId: s.id, detail: "stream ended" });
    await this.crashed(s);
  }

  /**
   * A crash is not a partition: when the server's own port refuses a connection, its process is
   * gone and nothing will come back to this life of it, so its rooms move now rather than after
   * its missed reports. Declaring it dead is epoch-guarded: a server that registered again
   * meanwhile (a new life) is left alone.
   */
  private async crashed(s: Attached) {
    if (!s.probe || this.o.crashProbeMs <= 0 || this.closed) return;
    let answer = await probePort(s.probe.host, s.probe.port, this.o.crashProbeMs);
    // A SIGKILLed process's kernel may close its stream a moment before its listening socket: a
    // probe in between is accepted, or left unanswered. A live server keeps listening; look again.
    for (let again = 1; again < CRASH_PROBES && answer !== "refused" && !this.closed; again++) {
      await new Promise((r) => setTimeout(r, CRASH_PROBE_GAP_MS));
      answer = await probePort(s.probe.host, s.probe.port, this.o.crashProbeMs);
    }
    if (answer === "refused") {
      await this.o.failover.bury(s.id, s.epoch, "its stream ended and its port refuses connections");
      return;
    }
    // Cut off, or its host is down: only its missed reports tell (and a partition heals).
    this.o.log.info("detached game server not refused: waiting for its reports", { serverId: s.id, answer });
  }

  private messageFailed(serverId: string, e: unknown) {
    const now = this.o.now();
    if (now - (this.lastFailureLog.get(serverId) ?? -Infinity) < 5000) return;
    this.lastFailureLog.set(serverId, now);
    this.o.log.error("handling game server message failed (further failures of this server are not logged for 5 s)", {
      serverId,
      error: String(e),
    });
  }
}
