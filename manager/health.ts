import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  type HealthCheckRequest,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus as Status,
  HealthCheckResponseSchema,
  HealthListResponseSchema,
} from "../gen/grpc/health/v1/health_pb.js";
import { ManagerService } from "../gen/roomgate/v1/manager_pb.js";

// grpc.health.v1 for the Manager: SERVING while it reaches the store and is not shutting down,
// for the server as a whole ("") and for roomgate.v1.ManagerService alike. Watch streams are
// told of a change within POLL_MS: one timer for all of them, and only while any is open.

const POLL_MS = 250;
const SERVICES = ["", ManagerService.typeName];

export class ManagerHealth {
  private closed = false;
  private last: Status | undefined;
  private readonly watchers = new Set<(s: Status) => void>();
  private timer: NodeJS.Timeout | undefined;
  private readonly closers = new Set<() => void>();

  constructor(private readonly storeReachable: () => boolean) {}

  get serving(): boolean {
    return this.status() === Status.SERVING;
  }

  status(): Status {
    return !this.closed && this.storeReachable() ? Status.SERVING : Status.NOT_SERVING;
  }

  /** Calls `listener` with the status now and on every change; returns the unsubscription. */
  watch(listener: (s: Status) => void): () => void {
    listener(this.status());
    this.watchers.add(listener);
    this.last ??= this.status();
    this.timer ??= setInterval(() => this.poll(), POLL_MS);
    return () => {
      this.watchers.delete(listener);
      if (this.watchers.size === 0) this.stopPolling();
    };
  }

  /** Runs `end` when the Manager closes (a Watch stream must not hold a shutdown up); returns its removal. */
  whenClosed(end: () => void): () => void {
    this.closers.add(end);
    return () => this.closers.delete(end);
  }

  /** NOT_SERVING from now on: open Watch streams hear it, then end. */
  close() {
    this.closed = true;
    this.poll();
    this.stopPolling();
    for (const end of [...this.closers]) end();
    this.closers.clear();
  }

  private poll() {
    const now = this.status();
    if (now === this.last) return;
    this.last = now;
    for (const w of [...this.watchers]) w(now);
  }

  private stopPolling() {
    clearInterval(this.timer);
    this.timer = undefined;
    this.last = undefined;
  }
}

const response = (status: Status): HealthCheckResponse => create(HealthCheckResponseSchema, { status });

/** grpc-js handlers of grpc.health.v1.Health (served through common/grpc-adapter.ts). */
export function healthHandlers(health: ManagerHealth): grpc.UntypedServiceImplementation {
  return {
    check(call: grpc.ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, cb: grpc.sendUnaryData<unknown>) {
      if (!SERVICES.includes(call.request.service))
        return cb({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
      cb(null, response(health.status()));
    },
    list(_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) {
      const status = health.status();
      cb(
        null,
        create(HealthListResponseSchema, { statuses: Object.fromEntries(SERVICES.map((s) => [s, response(status)])) }),
      );
    },
    watch(call: grpc.ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) {
      const unclose = health.whenClosed(() => call.end());
      // The standard: an unknown service is SERVICE_UNKNOWN and the stream stays open.
      let stop = () => {};
      if (SERVICES.includes(call.request.service)) stop = health.watch((s) => call.write(response(s)));
      else call.write(response(Status.SERVICE_UNKNOWN));
      const done = () => {
        stop();
        unclose();
      };
      call.on("cancelled", done);
      call.on("close", done);
      call.on("error", done);
    },
  };
}
