import { Cluster } from "ioredis";
import type { RedisClient } from "./client.js";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { type ClusterEvent, ClusterEventSchema } from "../../../gen/roomgate/v1/gateway_pb.js";
import { type ClusterEvents, type ManagerBus, listen } from "../channels.js";
import { type EventHistoryLimits, stillRecent } from "../event-history.js";
import type { Leases } from "../leases.js";
import type { Logger } from "../../log.js";
import { superviseConnection } from "../redis-connection.js";
import type { RedisContext } from "./context.js";
import { run, script } from "./lua.js";

// The Redis store's pub/sub channels (one subscriber connection for both, each channel subscribed
// once something listens: a Manager listens only to the bus, and every event it got as well cost it a
// read and a decode, two per room), the event history (a
// list, trimmed to its count and expiring with its age as events are pushed), and leases (timed
// by Redis's own clock). The events published in one turn of the event loop go in one script
// call: a Gateway and a game server each publish one per room (allocated, removed), and one call
// for several of them costs far less than one each, as a script costs less than a transaction.

/** Events in one script call at most. */
const EVENT_BATCH_MAX = 256;

/**
 * How long an event waits for others to go out with (EVENT_FLUSH_MS): one store call per window
 * rather than one per event, as a Gateway and a game server each publish one per room. A
 * dashboard sees events this much later; 0 sends what one turn of the event loop published.
 */
export const DEFAULT_EVENT_FLUSH_MS = 20;

interface PendingEvent {
  bytes: Buffer;
  resolve(): void;
  reject(e: unknown): void;
}

export class RedisChannels implements ClusterEvents, ManagerBus {
  private subscriber?: Promise<RedisClient>;
  /** Channels subscribed, or being subscribed, on that connection. */
  private readonly channels = new Map<string, Promise<void>>();
  /** Whether a subscription ever succeeded on the current connection. */
  private subscribedOnce = false;
  private readonly listeners = new Set<(e: ClusterEvent) => void>();
  private readonly busListeners = new Set<(m: Uint8Array) => void>();
  private pendingEvents: PendingEvent[] = [];
  /** Cancels the scheduled flush, while one is scheduled. */
  private cancelFlush?: () => void;
  /** The last batch sent, settled or not: close() waits for it. */
  private lastFlush: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly c: RedisContext,
    private readonly ownsClient: boolean,
    private readonly history: EventHistoryLimits,
    private readonly log?: Logger,
    private readonly flushMs = DEFAULT_EVENT_FLUSH_MS,
  ) {
    if (!Number.isSafeInteger(flushMs) || flushMs < 0)
      throw new RangeError("event flush window must be a whole number of ms >= 0");
  }

  publishEvent(event: ClusterEvent): Promise<void> {
    const bytes = Buffer.from(toBinary(ClusterEventSchema, event));
    return new Promise((resolve, reject) => {
      this.pendingEvents.push({ bytes, resolve, reject });
      if (this.pendingEvents.length >= EVENT_BATCH_MAX) this.flushEvents();
      else if (!this.cancelFlush) this.cancelFlush = this.scheduleFlush();
    });
  }

  private scheduleFlush(): () => void {
    if (this.flushMs === 0) {
      const immediate = setImmediate(() => this.flushEvents());
      return () => clearImmediate(immediate);
    }
    const timer = setTimeout(() => this.flushEvents(), this.flushMs);
    return () => clearTimeout(timer);
  }

  /**
   * Publishes the waiting events, in order, in one script: the history never holds an event its
   * subscribers were not told of.
   */
  private flushEvents() {
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    const batch = this.pendingEvents;
    if (batch.length === 0) return;
    this.pendingEvents = [];
    // Untraced: a batch is no request's work (the window's timer would carry the trace of
    // whichever call published first, and put the batch in it).
    const events = batch.map((e) => e.bytes);
    this.lastFlush = run(this.c.redis, this.c.keys, PUBLISH_EVENTS, { events, history: this.history }).then(
      () => {
        for (const e of batch) e.resolve();
      },
      (e: unknown) => {
        for (const p of batch) p.reject(e);
      },
    );
  }

  async recentEvents(nowMs = Date.now()) {
    if (this.history.maxEvents === 0) return [];
    const raw = await this.c.redis.lrangeBuffer(this.c.keys.recentEvents, 0, this.history.maxEvents - 1);
    const events: ClusterEvent[] = [];
    for (const b of raw) {
      try {
        events.push(fromBinary(ClusterEventSchema, b));
      } catch {
        // not ours; a shared Redis may carry anything
      }
    }
    return stillRecent(events, nowMs, this.history);
  }

  async subscribeEvents(listener: (e: ClusterEvent) => void) {
    await this.subscribed(this.c.keys.events);
    return listen(this.listeners, listener);
  }

  async publishBus(message: Uint8Array) {
    await this.c.redis.publish(this.c.keys.bus, Buffer.from(message));
  }

  async subscribeBus(listener: (m: Uint8Array) => void) {
    await this.subscribed(this.c.keys.bus);
    return listen(this.busListeners, listener);
  }

  /** Subscribes the channel on the subscriber connection; a failed subscription is not kept: the next listener tries again. */
  private async subscribed(channel: string): Promise<void> {
    let done = this.channels.get(channel);
    if (!done) {
      const connection = this.connection();
      done = connection.then(async (sub) => {
        try {
          await sub.subscribe(channel);
        } catch (e) {
          // A connection that never got a subscription through (Redis down) is not kept either.
          if (this.subscribedOnce === false && this.subscriber === connection) {
            this.subscriber = undefined;
            sub.disconnect();
          }
          throw e;
        }
        this.subscribedOnce = true;
      });
      this.channels.set(channel, done);
      const pending = done;
      pending.catch(() => {
        if (this.channels.get(channel) === pending) this.channels.delete(channel);
      });
    }
    await done;
  }

  /**
   * The one subscriber connection (a subscribed connection can do nothing else), made on first
   * use.
   */
  private connection(): Promise<RedisClient> {
    const { events, bus } = this.c.keys;
    if (this.subscriber) return this.subscriber;
    this.subscribedOnce = false;
    this.subscriber = (async () => {
      // ioredis's own resubscription after a reconnect leaves its failures unhandled; this
      // connection subscribes again on each new connection itself.
      const queue = this.ownsClient ? { enableOfflineQueue: true } : {};
      const r = this.c.redis;
      const sub: RedisClient =
        r instanceof Cluster ? r.duplicate(undefined, queue) : r.duplicate({ autoResubscribe: false, ...queue });
      superviseConnection(sub, this.log, "events", this.ownsClient);
      let connections = 0;
      sub.on("ready", () => {
        if (connections++ === 0) return; // the first subscriptions are the ones awaited in subscribed()
        const channels = [...this.channels.keys()];
        if (channels.length === 0) return;
        // Events published while it was away are lost (pub/sub is at most once); watchers also
        // take a fresh snapshot at least every max interval.
        sub.subscribe(...channels).catch((e) => {
          // Lost again: the next connection subscribes. Still connected: start a new connection.
          this.log?.warn("could not subscribe to cluster events again", { error: String(e) });
          if (sub.status === "ready") sub.disconnect(true);
        });
      });
      sub.on("messageBuffer", (channel: Buffer, message: Buffer) => {
        const name = channel.toString();
        if (name === bus) {
          for (const l of this.busListeners) l(message);
          return;
        }
        if (name !== events || this.listeners.size === 0) return;
        let event: ClusterEvent;
        try {
          event = fromBinary(ClusterEventSchema, message);
        } catch {
          return; // not ours; a shared Redis may carry anything
        }
        for (const l of this.listeners) l(event);
      });
      return sub;
    })();
    return this.subscriber;
  }

  async close() {
    // What was published goes out before the connection does (a draining server's last removals).
    this.flushEvents();
    await this.lastFlush;
    this.listeners.clear();
    this.busListeners.clear();
    if (this.subscriber) {
      const sub = await this.subscriber.catch(() => undefined);
      await sub?.quit().catch(() => sub.disconnect());
    }
  }
}

export const PUBLISH_EVENTS = script<number>()({
  file: "publish-events",
  keys: ["historyKey"],
  args: ["channel", "maxEvents", "maxAgeMs"],
  rest: "events",
  encode: (k, p: { events: Buffer[]; history: EventHistoryLimits }) => ({
    keys: { historyKey: k.recentEvents },
    // The limits are whole numbers >= 0 (checkEventHistory); PEXPIRE 0 would delete the list.
    args: { channel: k.events, maxEvents: p.history.maxEvents, maxAgeMs: Math.max(1, p.history.maxAgeMs) },
    rest: p.events,
  }),
});

export const ACQUIRE_LEASE = script<number>()({
  file: "acquire-lease",
  keys: ["leaseKey"],
  args: ["owner", "ttlMs"],
  encode: (k, l: { name: string; owner: string; ttlMs: number }) => ({
    keys: { leaseKey: k.lease(l.name) },
    args: { owner: l.owner, ttlMs: Math.max(0, Math.floor(l.ttlMs)) },
  }),
});

export class RedisLeases implements Leases {
  constructor(private readonly c: RedisContext) {}

  async acquireLease(l: { name: string; owner: string; nowMs: number; ttlMs: number }) {
    return (await this.c.run(ACQUIRE_LEASE, l)) === 1;
  }
}
