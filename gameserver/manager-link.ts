import * as grpc from "@grpc/grpc-js";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type AttachRequest,
  AttachRequestSchema,
  type AttachResponse,
  ManagerService,
  type Register,
  RoomCloseReason,
} from "../gen/roomgate/v1/manager_pb.js";
import { grpcClientConstructor } from "../common/grpc-adapter.js";
import type { Logger } from "../common/log.js";
import type { RoomEvents, RoomHost } from "./room-host.js";

// The game server's side of the Attach stream: registers, reports load on a timer, forwards room
// events, obeys open/close commands, and reconnects with backoff when the stream breaks. While it
// is down, rooms keep running; the next registration tells the Manager which rooms still exist.

export interface ManagerLinkOptions {
  managerAddress: string;
  /** What this server registers as; the rooms it runs are added at each registration. */
  registration: Omit<Register, "roomIds" | "$typeName" | "$unknown">;
  log: Logger;
}

type Init = MessageInitShape<typeof AttachRequestSchema>["msg"];

export class ManagerLink implements RoomEvents {
  private readonly client: grpc.Client;
  private call?: grpc.ClientDuplexStream<AttachRequest, AttachResponse>;
  private registered = false;
  private stopping = false;
  private reportTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private backoffMs: number;
  private readonly maxBackoffMs: number;
  private host?: RoomHost;
  private readonly registeredWaiters: (() => void)[] = [];

  constructor(private readonly o: ManagerLinkOptions) {
    // A returning Manager gives a server a few report intervals to attach again before it
    // declares it dead, so no retry (ours, or grpc-js's own reconnect backoff, which otherwise
    // grows to two minutes) may wait longer than one interval.
    this.maxBackoffMs = Math.min(5000, o.registration.reportIntervalMs);
    this.backoffMs = Math.min(100, this.maxBackoffMs);
    const Client = grpcClientConstructor(ManagerService);
    this.client = new Client(o.managerAddress, grpc.credentials.createInsecure(), {
      "grpc.keepalive_time_ms": 10_000,
      "grpc.keepalive_timeout_ms": 5_000,
      "grpc.keepalive_permit_without_calls": 1,
      "grpc.initial_reconnect_backoff_ms": Math.min(100, this.maxBackoffMs),
      "grpc.max_reconnect_backoff_ms": this.maxBackoffMs,
    });
  }

  start(host: RoomHost) {
    this.host = host;
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
  opened(roomId: string) {
    this.send({ case: "roomEvent", value: { roomId, event: { case: "opened", value: {} } } });
  }
  players(roomId: string, count: number) {
    this.send({ case: "roomEvent", value: { roomId, event: { case: "players", value: { count } } } });
  }
  closed(roomId: string, reason: RoomCloseReason) {
    this.send({ case: "roomEvent", value: { roomId, event: { case: "closed", value: { reason } } } });
  }

  /** Tells the Manager this server takes no new rooms. */
  draining() {
    this.send({ case: "draining", value: {} });
  }

  /** Ends the stream after everything queued so far is sent; resolves when the Manager has it. */
  stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearInterval(this.reportTimer);
    clearTimeout(this.retryTimer);
    const call = this.call;
    if (!call) {
      this.client.close();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.client.close();
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
    if (this.stopping || !this.host) return;
    const call = (this.client as unknown as { attach(): grpc.ClientDuplexStream<AttachRequest, AttachResponse> }).attach();
    this.call = call;
    this.registered = false;
    call.on("data", (msg: AttachResponse) => this.onCommand(msg));
    call.on("error", (e: grpc.ServiceError) => {
      if (!this.stopping) this.o.log.warn("manager stream failed", { code: grpc.status[e.code], details: e.details });
    });
    call.on("status", () => this.disconnected(call));
    call.write(
      create(AttachRequestSchema, {
        msg: {
          case: "register",
          value: { ...this.o.registration, roomIds: this.host.roomIds() },
        },
      }),
    );
  }

  private disconnected(call: grpc.ClientDuplexStream<AttachRequest, AttachResponse>) {
    if (this.call !== call) return;
    this.call = undefined;
    this.registered = false;
    if (this.stopping) return;
    // Jitter spreads a fleet's reconnects; it stays within one interval (0.5x to 1x the backoff).
    const delay = this.backoffMs * (0.5 + Math.random() / 2);
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private onCommand(msg: AttachResponse) {
    const host = this.host!;
    switch (msg.msg.case) {
      case "registered":
        this.registered = true;
        this.backoffMs = Math.min(100, this.maxBackoffMs);
        host.retainOnly(msg.msg.value.roomIds);
        this.o.log.info("registered with manager", { manager: this.o.managerAddress, rooms: msg.msg.value.roomIds.length });
        this.report();
        for (const w of this.registeredWaiters.splice(0)) w();
        return;
      case "openRoom": {
        const { roomId, maxPlayers, firstJoinTimeoutMs } = msg.msg.value;
        const refused = host.openRoom(roomId, maxPlayers, firstJoinTimeoutMs);
        if (refused) this.send({ case: "roomEvent", value: { roomId, event: { case: "refused", value: { reason: refused.reason } } } });
        return;
      }
      case "closeRoom":
        host.closeRoom(msg.msg.value.roomId, RoomCloseReason.CLOSED_BY_MANAGER);
        return;
      default:
        return;
    }
  }

  private report() {
    if (!this.registered || !this.host) return;
    this.send({ case: "load", value: this.host.stats });
  }

  private send(msg: Init) {
    // Events while the stream is down are dropped on purpose: the next registration carries the
    // rooms that still exist, and the Manager reconciles from that.
    // While stopping, only the goodbyes (draining, rooms closed) still go out.
    if (!this.call || (this.stopping && msg?.case !== "roomEvent" && msg?.case !== "draining")) return;
    this.call.write(create(AttachRequestSchema, { msg }));
  }
}
