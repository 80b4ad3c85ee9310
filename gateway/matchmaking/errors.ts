// Each way a matchmaking call fails, by name; the edge (gateway/service.ts) gives each its status code.

export type MatchFailure =
  /** No room has that id. */
  | "room_not_found"
  /** The room is OPENING or MOVING: nobody can join it right now; the caller retries. */
  | "room_not_ready"
  /** Every seat of the room is taken or held. */
  | "room_full"
  /** More seats than this Gateway allows, or a rejoin token for another room. */
  | "invalid_request"
  /** A rejoin token we did not sign, or one expired past the rejoin window. */
  | "rejoin_refused"
  /** The room store did not answer. */
  | "store_unavailable"
  /** The new room's id is taken (allocators report it; the core retries once with another id). */
  | "room_id_taken"
  /** A Manager answered what it never should (an allocation without a room). */
  | "bad_manager_answer"
  /** The caller has as many unjoined rooms or unused seats as its caps allow. */
  | "over_cap";

export class MatchError extends Error {
  constructor(
    readonly failure: MatchFailure,
    message: string,
    /** When a retry may succeed, for the client's Retry-After. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "MatchError";
  }
}

/** Runs one store call; a store that fails is `store_unavailable`, whatever the reason. */
export async function storeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new MatchError("store_unavailable", `room store unavailable: ${(e as Error).message}`);
  }
}
