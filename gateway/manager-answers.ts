// What the client is told of an allocation that failed with a Manager's status: the same whether a
// Manager answered it over gRPC (manager-client.ts) or this Gateway placed the room itself
// (store-placement.ts, with the Manager's own errors from common/allocation-errors.ts).

import { Code, ConnectError } from "@connectrpc/connect";
import { type AllocationError, ALLOCATION_ERROR_CODES } from "../common/allocation-errors.js";
import { OVER_CAP } from "../common/store/caps.js";
import { MatchError } from "./matchmaking/errors.js";

/**
 * gRPC and Connect share status codes, so the Manager's answer reaches the client unchanged; a
 * taken room id is the one answer the core acts on (it retries with another id), and a caller at
 * its caps one it adds a retry hint to.
 */
export function fromManagerStatus(code: number, details: string): Error {
  if (code === Code.AlreadyExists) return new MatchError("room_id_taken", details || "manager error");
  if (code === Code.ResourceExhausted && details?.startsWith(OVER_CAP)) return new MatchError("over_cap", details);
  if (code === Code.DeadlineExceeded) return new ConnectError("the manager did not answer in time", Code.Unavailable);
  if (code === Code.Unavailable) return new ConnectError(`manager unavailable: ${details}`, Code.Unavailable);
  return new ConnectError(details || "manager error", code in Code ? (code as Code) : Code.Internal);
}

/** A Manager's own error, as the client would have it had the Manager answered it. */
export const fromAllocationError = (e: AllocationError) => fromManagerStatus(ALLOCATION_ERROR_CODES[e.kind], e.message);
