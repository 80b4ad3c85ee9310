import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { backoffDelay } from "@roomgate/client/protocol/backoff";
import { GatewayService, type WatchClusterResponse } from "../../gen/roomgate/v1/gateway_pb.js";

// The dashboard's one connection: the WatchCluster server stream (pushed by the cluster's events,
// never polled), opened again with jittered backoff whenever it breaks.

export type FeedState =
  | { kind: "connecting" }
  | { kind: "live"; reconnected: boolean }
  | { kind: "reconnecting"; attempt: number; retryAt: number; error: string }
  // The Gateway refused the operator token (unauthenticated) or has none (failed_precondition):
  // retrying cannot help, so the feed stops.
  | { kind: "denied"; code: Code; error: string };

export interface FeedHandlers {
  snapshot(res: WatchClusterResponse): void;
  state(s: FeedState): void;
}

/** Asked of the Gateway: a snapshot at least this often, even when nothing happens. */
export const SNAPSHOT_INTERVAL_MS = 1000;
/** A stream this quiet is dead even if no error has said so (a proxy can hold it open forever). */
const STALL_MS = 5 * SNAPSHOT_INTERVAL_MS;
const BACKOFF = { initialDelayMs: 500, maxDelayMs: 15_000, jitter: 0.5 };

/** Starts watching with the operator's token (ADMIN_TOKEN); returns the function that stops. */
export function watchClusterFeed(baseUrl: string, token: string, on: FeedHandlers): () => void {
  const headers = { authorization: `Bearer ${token}` };
  // Binary Connect: the smallest frames, and fetch streams them in every current browser.
  const client = createClient(GatewayService, createConnectTransport({ baseUrl, useBinaryFormat: true }));
  const stop = new AbortController();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      stop.signal.addEventListener(
        "abort",
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });

  void (async () => {
    let failures = 0;
    let everLive = false;
    on.state({ kind: "connecting" });
    while (!stop.signal.aborted) {
      const call = new AbortController();
      const onStop = () => call.abort();
      stop.signal.addEventListener("abort", onStop, { once: true });
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      const arm = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => call.abort(new Error(`no snapshot for ${STALL_MS / 1000} s`)), STALL_MS);
      };
      let error = "the Gateway ended the stream";
      try {
        arm();
        let first = true;
        for await (const res of client.watchCluster(
          // Each time: the first snapshot brings what the store kept, so a page opened late (or
          // back after a break) lists what it missed; the log drops what it already shows.
          { maxIntervalMs: SNAPSHOT_INTERVAL_MS, recentEvents: true },
          { signal: call.signal, headers },
        )) {
          arm();
          if (first) {
            first = false;
            failures = 0;
            on.state({ kind: "live", reconnected: everLive });
            everLive = true;
          }
          on.snapshot(res);
        }
      } catch (e) {
        const reason = call.signal.reason;
        const err = ConnectError.from(e);
        if (!(reason instanceof Error) && (err.code === Code.Unauthenticated || err.code === Code.FailedPrecondition)) {
          on.state({ kind: "denied", code: err.code, error: err.rawMessage });
          return;
        }
        error = reason instanceof Error ? reason.message : err.rawMessage;
      } finally {
        clearTimeout(watchdog);
        stop.signal.removeEventListener("abort", onStop);
      }
      if (stop.signal.aborted) return;
      const delay = backoffDelay(failures, BACKOFF);
      failures++;
      on.state({ kind: "reconnecting", attempt: failures, retryAt: Date.now() + delay, error });
      await sleep(delay);
    }
  })();

  return () => stop.abort();
}
