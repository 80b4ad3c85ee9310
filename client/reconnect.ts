// Getting a room back: after the first connection failed (follow) or a welcomed one dropped
// (reconnect), ask the Gateway where the room lives now, as the same player (rejoin), and attach again.
import { Code } from "@connectrpc/connect";
import type { Gateway } from "./gateway.js";
import { codeOf, GatewayError } from "./gateway-error.js";
import { abortableWait } from "./protocol/abortable-wait.js";
import { backoffDelay } from "./protocol/backoff.js";
import { CLOSE } from "./protocol/close-codes.js";
import { RoomRefusedError } from "./errors.js";
import type { ResolvedReconnect } from "./options.js";
import type { Ticket } from "./wire.js";

// Long enough for a slow network, short enough that a black-holed server costs one attempt rather
// than the whole reconnect budget.
export const STEP_TIMEOUT_MS = 10_000;
/** Gateway answers asked when the first connection finds its server going away (see follow). */
const FOLLOW_ATTEMPTS = 5;

/** What getting a room back needs from the Room. */
export interface Rejoining {
  readonly roomId: string;
  readonly gateway: Gateway;
  readonly playerName: string;
  readonly reconnect: ResolvedReconnect;
  /** Aborted once we leave or give up: cancels Gateway calls and backoff waits. */
  readonly stop: AbortSignal;
  /** The last join token, "" before the first ticket. */
  joinToken(): string;
  /** Connects with one ticket; resolves once welcomed, rejects if that connection fails. */
  attach(ticket: Ticket): Promise<void>;
  finish(code: number, reason: string, error?: Error): void;
  /** A failure the room recovers from, for the `error` event. */
  error(e: Error): void;
}

/**
 * The server named in the ticket no longer takes us: it refused the upgrade as draining or
 * without the room (503, 404), or could not be reached at all (no HTTP status: refused, reset,
 * or a browser, which hides the status).
 */
function serverGoingAway(e: Error): boolean {
  if (e instanceof RoomRefusedError) return false; // the room's own answer: asking again changes nothing
  const status = upgradeStatus(e);
  return status === undefined || status === 503 || status === 404;
}

/** The HTTP status of a refused upgrade, where the platform shows it (Node; browsers hide it). */
function upgradeStatus(e: Error): number | undefined {
  return ((e as { cause?: unknown }).cause as { status?: number } | undefined)?.status;
}

/**
 * The first connection failed. A game server may begin to drain (a rolling deploy) between the
 * Gateway's answer and our connection: it then refuses us (503) or is gone, and the room is
 * already on its way to another server. That race is inherent to handing out tickets, so we ask
 * the Gateway where the room lives now, as the same player (our ticket is our rejoin token), a
 * bounded number of times. Any other refusal is final.
 */
export async function follow(r: Rejoining, first: Error): Promise<void> {
  let last = first;
  let worthIt = serverGoingAway(first);
  for (let attempt = 0; attempt < FOLLOW_ATTEMPTS && worthIt; attempt++) {
    await wait(r.stop, attempt === 0 ? 0 : backoffDelay(attempt - 1, r.reconnect));
    if (r.stop.aborted) break;
    try {
      await r.attach(await rejoin(r));
      return;
    } catch (e) {
      last = e as Error;
      // While the room moves the Gateway answers unavailable, which is worth another look.
      worthIt = e instanceof GatewayError ? e.code === Code.Unavailable : serverGoingAway(last);
    }
  }
  throw last;
}

/** A welcomed connection dropped without a final close: try again until welcomed, told the room is gone, or out of attempts. */
export async function reconnect(r: Rejoining, code: number, reason: string): Promise<void> {
  const { maxAttempts } = r.reconnect;
  // The server moved the room on purpose and it is already on its way elsewhere: ask at once.
  const immediate = code === CLOSE.moved;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    await wait(
      r.stop,
      immediate ? (attempt === 0 ? 0 : backoffDelay(attempt - 1, r.reconnect)) : backoffDelay(attempt, r.reconnect),
    );
    if (r.stop.aborted) return;
    try {
      // The room may have moved since: ask where it lives now, which also gives a fresh token.
      // While it is moving the Gateway answers unavailable, retried here like any failure.
      const ticket = await rejoin(r);
      if (r.stop.aborted) return;
      await r.attach(ticket);
      return;
    } catch (e) {
      if (r.stop.aborted) return;
      if (e instanceof RoomRefusedError) return r.finish(CLOSE.refused, e.reason, e);
      if (codeOf(e) === Code.NotFound) {
        return r.finish(
          code,
          reason,
          new Error(`room ${r.roomId} is gone: the Gateway no longer knows it`, { cause: e }),
        );
      }
      // 403: the server will not take this player back (it left, or was away past the grace),
      // or the ticket was spent by someone else; another ticket would be refused alike.
      if (!(e instanceof GatewayError) && upgradeStatus(e as Error) === 403) {
        return r.finish(code, reason, new Error(`room ${r.roomId}: ${(e as Error).message}`, { cause: e }));
      }
      lastError = e as Error;
      r.error(
        new Error(`reconnect attempt ${attempt + 1}/${maxAttempts} to room ${r.roomId} failed: ${lastError.message}`, {
          cause: e,
        }),
      );
    }
  }
  r.finish(
    code,
    reason,
    new Error(
      `room ${r.roomId}: gave up after ${maxAttempts} attempts to reconnect`,
      lastError ? { cause: lastError } : undefined,
    ),
  );
}

/**
 * JoinRoom with our last token, so that we come back as the same player. Should the Gateway
 * refuse that token (its secret changed, or we were away longer than its rejoin window), we join
 * as a new player rather than not at all.
 */
async function rejoin(r: Rejoining): Promise<Ticket> {
  const call = (rejoinToken: string) =>
    r.gateway.joinRoom(
      { roomId: r.roomId, playerName: r.playerName, rejoinToken },
      { signal: r.stop, timeoutMs: STEP_TIMEOUT_MS },
    );
  const token = r.joinToken();
  if (!token) return call("");
  try {
    return await call(token);
  } catch (e) {
    const code = codeOf(e);
    if (code !== Code.Unauthenticated && code !== Code.InvalidArgument) throw e;
    r.error(
      new Error(
        `room ${r.roomId}: the Gateway refused our rejoin token (${(e as GatewayError).rawMessage}); joining as a new player`,
        { cause: e },
      ),
    );
    return call("");
  }
}

/** Resolves after ms, or at once when the room is left or given up. */
function wait(stop: AbortSignal, ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : abortableWait(stop, ms);
}
