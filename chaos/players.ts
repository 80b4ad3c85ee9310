import { RoomgateClient } from "@roomgate/client";
import type { Room, Welcome } from "@roomgate/client";
import { type Connection, Moves } from "./copies.js";

// Simulated players: rooms of a few SDK clients each, every player moving (an owned state key it
// rewrites on a timer) the way the demo's dots do. What the chaos suite measures is what these
// players live through: reconnects the SDK handled alone, rejoins it gave up on, rooms gone.

export interface PlayerRecord {
  roomId: string;
  room: Room;
  client: RoomgateClient;
  /** When the current outage started (connection left "open"), if one is under way. */
  downSince?: number;
  /** Longest outage so far in the current fault window, ms. */
  worstOutageMs: number;
  /** The SDK gave up (closed with an error) and the harness had to join again by hand. */
  manualRejoins: number;
  /** The room was gone for good (joinRoom said not_found). */
  lost: boolean;
  moves: number;
  /** What the SDK and the manual rejoins said when they failed, for the report. */
  failures: string[];
  /** Its moves: when each was sent, and the last one the room acknowledged. */
  track: Moves;
  /** Each welcome, from the first: which copy of the room it reached and what it got there. */
  connections: Connection[];
  /** Each welcome after the first: the acked moves the copy that welcomed it did not have. */
  losses: StateLoss[];
}

export interface StateLoss {
  at: number;
  roomId: string;
  serverId: string;
  updates: number;
  ms: number;
}

export interface LoadOptions {
  gatewayUrls: string[];
  rooms: number;
  playersPerRoom: number;
  moveEveryMs: number;
}

const enc = (n: number) => new TextEncoder().encode(String(n));
const dec = new TextDecoder();

export class Load {
  readonly players: PlayerRecord[] = [];
  private timer?: NodeJS.Timeout;
  private tick = 0;
  private stopped = false;
  /** Players by player id, to credit the mover when another player gets its move. */
  private readonly byPlayerId = new Map<string, PlayerRecord>();

  constructor(
    private readonly o: LoadOptions,
    private readonly startedAt = Date.now(),
  ) {}

  get roomIds(): string[] {
    return [...new Set(this.players.map((p) => p.roomId))];
  }

  private client(i: number) {
    // Reconnect budget long enough to ride out a dead server's detection and a room's move.
    return new RoomgateClient(this.o.gatewayUrls[i % this.o.gatewayUrls.length]!, {
      reconnect: { maxAttempts: 12, initialDelayMs: 100, maxDelayMs: 1000 },
    });
  }

  async start(progress: (m: string) => void) {
    for (let r = 0; r < this.o.rooms; r++) {
      const first = this.client(r);
      const room = await first.createRoom({ maxPlayers: this.o.playersPerRoom + 2, playerName: `r${r}p0` });
      this.track(room.roomId, room, first);
      for (let p = 1; p < this.o.playersPerRoom; p++) {
        const c = this.client(r + p);
        this.track(room.roomId, await c.joinRoom(room.roomId, { playerName: `r${r}p${p}` }), c);
      }
      if ((r + 1) % 5 === 0 || r + 1 === this.o.rooms)
        progress(`load: ${r + 1}/${this.o.rooms} rooms, ${this.players.length} players`);
    }
    this.timer = setInterval(() => this.move(), this.o.moveEveryMs);
  }

  private track(roomId: string, room: Room, client: RoomgateClient) {
    const rec: PlayerRecord = {
      roomId,
      room,
      client,
      worstOutageMs: 0,
      manualRejoins: 0,
      lost: false,
      moves: 0,
      failures: [],
      track: new Moves(),
      connections: [],
      losses: [],
    };
    this.players.push(rec);
    this.welcomed(
      rec,
      room.serverId,
      room.playerId,
      [...room.state].map(([key, v]) => ({ key, value: v.value })),
    );
    this.watch(rec);
  }

  /**
   * A welcome (the first, or after a reconnect or a rejoin): a new connection, and what the copy
   * that welcomed it lacks of this player's acknowledged moves.
   */
  private welcomed(rec: PlayerRecord, serverId: string, playerId: string, state: { key: string; value: Uint8Array }[]) {
    const now = Date.now();
    this.byPlayerId.set(playerId, rec);
    if (rec.connections.length > 0) {
      const own = state.find((e) => e.key === `pos/${playerId}`);
      const loss = rec.track.loss(own ? Number(dec.decode(own.value)) : undefined);
      if (loss.updates > 0) rec.losses.push({ at: now, roomId: rec.roomId, serverId, ...loss });
    }
    rec.connections.push({ serverId, welcomedAt: now, relayedSentAt: [] });
  }

  private watch(rec: PlayerRecord) {
    const room = rec.room;
    room.on("welcome", (w: Welcome) => {
      if (rec.room === room) this.welcomed(rec, w.serverId, w.playerId, w.state);
    });
    room.on("state", (key, value, from) => {
      if (rec.room !== room || from === room.playerId || !key.startsWith("pos/") || !value) return;
      const mover = this.byPlayerId.get(key.slice(4));
      if (!mover || mover === rec) return;
      const tick = Number(dec.decode(value));
      mover.track.acked = Math.max(mover.track.acked, tick);
      const sentAt = mover.track.sentAt(tick);
      if (sentAt !== undefined) rec.connections.at(-1)?.relayedSentAt.push(sentAt);
    });
    rec.room.on("connection", (s) => {
      const now = Date.now();
      if (s === "open" && rec.downSince !== undefined) {
        rec.worstOutageMs = Math.max(rec.worstOutageMs, now - rec.downSince);
        rec.downSince = undefined;
      } else if (s !== "open" && rec.downSince === undefined) {
        rec.downSince = now;
      }
    });
    rec.room.on("closed", (info) => {
      if (!info.error || this.stopped) return;
      this.note(rec, `SDK gave up: ${info.error.message}`);
      void this.rejoinByHand(rec);
    });
  }

  /** The SDK gave up: do what an application would, join again with the old token. */
  private async rejoinByHand(rec: PlayerRecord) {
    rec.manualRejoins++;
    for (let attempt = 0; attempt < 20 && !this.stopped; attempt++) {
      try {
        const room = await rec.client.joinRoom(rec.roomId, { rejoinToken: rec.room.joinToken });
        rec.room = room;
        // Its welcome came before joinRoom resolved: its state is what the room gave it then.
        this.welcomed(
          rec,
          room.serverId,
          room.playerId,
          [...room.state].map(([key, v]) => ({ key, value: v.value })),
        );
        this.watch(rec);
        return;
      } catch (e) {
        this.note(rec, `rejoin by hand failed: ${(e as Error).message}`);
        if ((e as { code?: number }).code === 5 /* NotFound */) {
          rec.lost = true;
          return;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private note(rec: PlayerRecord, what: string) {
    if (rec.failures.length < 10)
      rec.failures.push(`player ${rec.room.playerId} +${((Date.now() - this.startedAt) / 1000).toFixed(2)} s: ${what}`);
  }

  private move() {
    this.tick++;
    for (const p of this.players) {
      if (p.room.connection !== "open") continue;
      p.room.setState(`pos/${p.room.playerId}`, enc(this.tick), { owned: true });
      p.track.sent(this.tick, Date.now());
      p.moves++;
    }
  }

  /** Starts a fault window: outages are measured afresh from here. */
  resetWindow() {
    for (const p of this.players) p.worstOutageMs = 0;
  }

  /**
   * Resolves when every player is connected and, in every room, each player sees every other's
   * probe value: the room is really back, not merely connected. Rejects after timeoutMs.
   */
  async allBack(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const nonce = Date.now() % 1_000_000;
    const sent = new Set<PlayerRecord>();
    for (;;) {
      const live = this.players.filter((p) => !p.lost);
      for (const p of live) {
        if (p.room.connection === "open" && !sent.has(p)) {
          p.room.setState(`probe/${p.room.playerId}`, enc(nonce), { owned: true });
          sent.add(p);
        }
        if (p.room.connection !== "open") sent.delete(p); // a new connection must probe again
      }
      if (live.every((p) => p.room.connection === "open" && this.seesAll(p, live, nonce))) return;
      if (Date.now() > deadline) {
        const missing = live.filter((p) => p.room.connection !== "open");
        const why = missing.map(
          (p) => `  ${p.room.playerId} (${p.roomId}, ${p.room.connection}): ${p.failures.join("; ")}`,
        );
        throw new Error(`players not back after ${timeoutMs} ms: ${missing.length} not connected\n${why.join("\n")}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /**
   * Resolves once the room has acknowledged at least `spanMs` of every player's movement, so a
   * fault finds the rooms moving and their snapshots as stale as they get. Rejects after timeoutMs.
   */
  async moving(spanMs: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const still = this.players.filter((p) => !p.lost && p.track.ackedSpanMs() < spanMs);
      if (still.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(`${still.length} players without ${spanMs} ms of acknowledged movement after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private seesAll(p: PlayerRecord, live: PlayerRecord[], nonce: number) {
    const want = String(nonce);
    for (const q of live) {
      if (q.roomId !== p.roomId || q === p) continue;
      const v = p.room.state.get(`probe/${q.room.playerId}`);
      if (!v || new TextDecoder().decode(v.value) !== want) return false;
    }
    return true;
  }

  async stop() {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all(this.players.map((p) => p.room.leave().catch(() => {})));
  }
}
