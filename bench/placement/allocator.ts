import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import {
  type AllocateRoomResponse,
  AllocateRoomRequestSchema,
  ManagerService,
} from "../../gen/roomgate/v1/manager_pb.js";
import { grpcClientConstructor } from "../../common/grpc-adapter.js";
import { newPlayerId, newRoomId } from "../../common/ids.js";
import { OpError } from "../lib/errors.js";

// AllocateRoom straight to the Manager, as a Gateway calls it, on a connection of its own so the
// fleet's streams never share its flow control. Only the request fields every Manager version
// knows are set, so the benchmark keeps working when the request grows.

/** Far beyond any healthy allocation; a call this slow is an error, not a sample. */
const DEADLINE_MS = 10_000;
/** What the Gateway gives a room whose creator has not joined yet (JOIN_TOKEN_TTL_MS). */
const FIRST_JOIN_TIMEOUT_MS = 10_000;

export class Allocator {
  private readonly client: grpc.Client;

  constructor(managerAddress: string) {
    const Client = grpcClientConstructor(ManagerService);
    this.client = new Client(managerAddress, grpc.credentials.createInsecure(), {
      "grpc.use_local_subchannel_pool": 1,
    });
  }

  /** Resolves with the call's latency in ms once the Manager answers that the room is open. */
  allocate(region: string, seats: number, signal?: AbortSignal): Promise<number> {
    const request = create(AllocateRoomRequestSchema, {
      roomId: newRoomId(),
      region,
      maxPlayers: seats,
      creatorPlayerId: newPlayerId(),
      firstJoinTimeoutMs: FIRST_JOIN_TIMEOUT_MS,
    });
    const fn = (this.client as unknown as Record<string, (...args: unknown[]) => unknown>).allocateRoom!;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t0 = performance.now();
      const call = fn.call(
        this.client,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + DEADLINE_MS },
        (err: grpc.ServiceError | null, res: AllocateRoomResponse) => {
          const ms = performance.now() - t0;
          signal?.removeEventListener("abort", cancel);
          if (err) return reject(new OpError(`rpc ${grpc.status[err.code] ?? err.code}`, err.details || err.message));
          if (!res.created || !res.room?.serverId)
            return reject(new OpError("no room", `AllocateRoom answered without a new room (created=${res.created})`));
          resolve(ms);
        },
      ) as grpc.ClientUnaryCall;
      const cancel = () => call.cancel();
      signal?.addEventListener("abort", cancel, { once: true });
    });
  }

  close() {
    this.client.close();
  }
}
