import { create } from "@bufbuild/protobuf";
import { GameServerState, type GameServer, type Room } from "../gen/roomgate/v1/common_pb.js";
import { ClusterEventKind, ClusterEventSchema } from "../gen/roomgate/v1/gateway_pb.js";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import {
  type AllocateRoomRequest,
  type AttachRequest,
  AttachResponseSchema,
  type Register,
  RoomCloseReason,
  type RoomEvent,
} from "../gen/roomgate/v1/manager_pb.js";
import { isRoomId } from "../common/ids.js";
import type { Logger } from "../common/log.js";
import type { Candidate, RoomStore } from "../common/store/store.js";
import { ManagerError, allFull, noConfirmation, noServers, storeDown } from "./errors.js";
import { PendingOpens } from "./pending-opens.js";
import type { Session } from "./session.js";

export interface ManagerOptions {
  store: RoomStore;
  log: Logger;
  /** Reports a server may miss before it is dead. */
  missedReports: number;
  openRoomTimeoutMs: number;
  idempotencyTtlMs: number;
  /** Servers to try when one fails to confirm a room. */
  maxOpenAttempts?: number;
  now?: () => number;
}

interface Attached {
  id: string;
  epoch: number;
  region: string;
  reportIntervalMs: number;
  session?: Session;
  draining: boolean;
  deathTimer?: NodeJS.Timeout;
}

/** What the transport feeds one Attach stream into. */
export interface AttachHandler {
  onMessage(msg: AttachRequest): void;
  onEnd(): void;
}

const LIMITS = { idChars: 128, regionChars: 64, requestIdChars: 128, maxPlayers: 100_000, minReportMs: 20, maxReportMs: 60_000 };

export class Manager {
  private readonly servers = new Map<string, Attached>();
  private readonly opens = new PendingOpens();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly o: ManagerOptions) {
    this.now = o.now ?? Date.now;
  }

  // ---- allocation ---------------------------------------------------------------------------

  async allocate(req: AllocateRoomRequest): Promise<{ room: Room; created: boolean }> {
    validateAllocate(req);
    const excluded = new Set<string>();
    const attempts = this.o.maxOpenAttempts ?? 3;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const candidates = this.candidates(req.region, excluded);
      // No attached, live server at all is `unavailable`; "full" is the store's verdict on real candidates.
      if (candidates.length === 0) throw excluded.size > 0 ? noConfirmation() : noServers();
      const result = await this.store(() =>
        this.o.store.allocateRoom({
          roomId: req.roomId,
          candidates,
          maxPlayers: req.maxPlayers,
          creatorPlayerId: req.creatorPlayerId,
          requestId: req.requestId || undefined,
          idempotencyTtlMs: this.o.idempotencyTtlMs,
          nowMs: this.now(),
        }),
      );
      if (result.kind === "full") throw allFull();
      if (result.kind === "collision") throw new ManagerError("already_exists", `room ${req.roomId} exists`);
      if (result.kind === "existing") {
        // A retry racing the first request must not hand out a room its server has not opened.
        await this.opens.inFlight(result.room.roomId)?.catch(() => {
          throw noConfirmation();
        });
        return { room: result.room, created: false };
      }
      const room = result.room;
      try {
        await this.open(room, req.firstJoinTimeoutMs);
        this.o.log.debug("room allocated", { roomId: room.roomId, serverId: room.serverId });
        this.event(ClusterEventKind.ROOM_ALLOCATED, { roomId: room.roomId, serverId: room.serverId, detail: `${room.maxPlayers} seats` });
        return { room, created: true };
      } catch (e) {
        this.o.log.warn("server did not open room; trying another", { serverId: room.serverId, error: (e as Error).message });
        excluded.add(room.serverId);
        await this.store(() => this.o.store.deleteRoom(room.roomId, room.serverId));
      }
    }
    throw noConfirmation();
  }

  private candidates(region: string, excluded: Set<string>): Candidate[] {
    const out: Candidate[] = [];
    for (const s of this.servers.values()) {
      if (!s.session || s.draining || excluded.has(s.id)) continue;
      out.push({ serverId: s.id, tier: region === "" || s.region === region ? 0 : 1 });
    }
    // Shuffled so that equally loaded servers share new rooms instead of the first one taking all.
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out.sort((a, b) => a.tier - b.tier);
  }

  private open(room: Room, firstJoinTimeoutMs: number): Promise<void> {
    const s = this.servers.get(room.serverId);
    if (!s?.session) return Promise.reject(new Error(`server ${room.serverId} is not attached`));
    const done = this.opens.expect(room.roomId, room.serverId, this.o.openRoomTimeoutMs);
    s.session.send(
      create(AttachResponseSchema, {
        msg: { case: "openRoom", value: { roomId: room.roomId, maxPlayers: room.maxPlayers, firstJoinTimeoutMs } },
      }),
    );
    return done;
  }

  // ---- game server streams ------------------------------------------------------------------

  attach(session: Session): AttachHandler {
    let server: Attached | undefined;
    let ended = false;
    // Events of one stream are applied in order: a room's "opened" before its "closed".
    let chain: Promise<unknown> = Promise.resolve();
    const run = (fn: () => Promise<unknown>) => {
      chain = chain.then(fn).catch((e) => this.o.log.error("handling game server message failed", { serverId: server?.id, error: String(e) }));
    };
    return {
      onMessage: (msg) => {
        if (ended) return;
        if (!server) {
          if (msg.msg.case !== "register") {
            session.close("the first message on Attach must be register");
            ended = true;
            return;
          }
          const reg = msg.msg.value;
          const problem = validateRegister(reg);
          if (problem) {
            this.o.log.warn("refused registration", { problem });
            session.close(problem);
            ended = true;
            return;
          }
          server = { id: reg.serverId, epoch: 0, region: reg.region, reportIntervalMs: reg.reportIntervalMs, session, draining: false };
          const s = server;
          run(() =>
            this.register(s, reg).catch((e) => {
              // Without a registration the server would never get rooms; make it try again.
              this.o.log.error("registration failed", { serverId: s.id, error: String(e) });
              session.close("registration failed: " + String(e));
            }),
          );
          return;
        }
        const s = server;
        this.armDeathTimer(s);
        run(() => this.handle(s, msg));
      },
      onEnd: () => {
        if (ended) return;
        ended = true;
        const s = server;
        if (s) run(() => this.detached(s, session));
      },
    };
  }

  private async register(s: Attached, reg: Register) {
    const previous = this.servers.get(s.id);
    if (previous && previous !== s) {
      clearTimeout(previous.deathTimer);
      previous.session?.close("replaced by a newer registration of the same server");
      previous.session = undefined;
    }
    this.servers.set(s.id, s);
    const { epoch, roomIds } = await this.o.store.registerServer({
      id: reg.serverId,
      address: reg.address,
      region: reg.region,
      maxRooms: reg.maxRooms,
      maxPlayers: reg.maxPlayers,
      reportIntervalMs: reg.reportIntervalMs,
      nowMs: this.now(),
    });
    s.epoch = epoch;
    // Mappings the server no longer backs (it restarted and lost them) are removed now; rooms it
    // runs that the store does not know are closed by the server when it reads `registered`.
    const running = new Set(reg.roomIds);
    const kept: string[] = [];
    for (const roomId of roomIds) {
      if (running.has(roomId)) kept.push(roomId);
      else if (await this.o.store.deleteRoom(roomId, s.id)) {
        this.event(ClusterEventKind.ROOM_REMOVED, { roomId, serverId: s.id, detail: "server came back without it" });
      }
    }
    this.armDeathTimer(s);
    s.session?.send(create(AttachResponseSchema, { msg: { case: "registered", value: { roomIds: kept } } }));
    this.o.log.info("game server registered", { serverId: s.id, address: reg.address, region: reg.region, epoch, rooms: kept.length });
    this.event(ClusterEventKind.SERVER_REGISTERED, { serverId: s.id, detail: `${reg.region} ${reg.address}` });
  }

  private async handle(s: Attached, msg: AttachRequest) {
    switch (msg.msg.case) {
      case "load":
        await this.o.store.recordLoad(s.id, s.epoch, msg.msg.value.players, this.now());
        return;
      case "roomEvent":
        return this.roomEvent(s, msg.msg.value);
      case "draining":
        s.draining = true;
        await this.o.store.setServerState(s.id, s.epoch, GameServerState.DRAINING);
        this.o.log.info("game server draining", { serverId: s.id });
        return;
      case "register":
        this.o.log.warn("ignored a second register on one stream", { serverId: s.id });
        return;
      default:
        return;
    }
  }

  private async roomEvent(s: Attached, ev: RoomEvent) {
    switch (ev.event.case) {
      case "opened":
        this.opens.settle(ev.roomId);
        return;
      case "refused":
        this.opens.settle(ev.roomId, new Error(`server ${s.id} refused room: ${ev.event.value.reason}`));
        return;
      case "players":
        await this.o.store.setRoomPlayers(ev.roomId, s.id, ev.event.value.count);
        return;
      case "closed":
        if (await this.o.store.deleteRoom(ev.roomId, s.id)) {
          this.o.log.debug("room closed", { roomId: ev.roomId, serverId: s.id, reason: ev.event.value.reason });
          const reason = (RoomCloseReason[ev.event.value.reason] ?? "unspecified").toLowerCase().replace(/_/g, " ");
          this.event(ClusterEventKind.ROOM_REMOVED, { roomId: ev.roomId, serverId: s.id, detail: reason });
        }
        return;
      default:
        return;
    }
  }

  /** The stream ended: no new rooms go there at once; it is dead unless it is back in time. */
  private async detached(s: Attached, session: Session) {
    if (s.session !== session) return;
    s.session = undefined;
    this.opens.failServer(s.id, new Error(`server ${s.id} detached`));
    if (this.closed) return;
    if (s.draining) {
      // A draining server that hangs up has finished shutting down: nothing of it is left to wait for.
      await this.bury(s, "drained");
      return;
    }
    await this.o.store.setServerState(s.id, s.epoch, GameServerState.SUSPECT);
    this.o.log.warn("game server stream ended; suspect until it returns", { serverId: s.id });
    this.event(ClusterEventKind.SERVER_SUSPECT, { serverId: s.id, detail: "stream ended" });
  }

  private armDeathTimer(s: Attached) {
    clearTimeout(s.deathTimer);
    if (this.closed) return;
    s.deathTimer = setTimeout(() => {
      if (this.servers.get(s.id) !== s) return;
      s.session?.close("missed its load reports");
      s.session = undefined;
      this.bury(s, "missed reports").catch((e) => this.o.log.error("removing dead server failed", { serverId: s.id, error: String(e) }));
    }, s.reportIntervalMs * this.o.missedReports);
  }

  private async bury(s: Attached, why: string) {
    clearTimeout(s.deathTimer);
    if (this.servers.get(s.id) === s) this.servers.delete(s.id);
    this.opens.failServer(s.id, new Error(`server ${s.id} is gone`));
    const rooms = await this.o.store.removeServer(s.id, s.epoch);
    if (!rooms) return;
    const fields = { serverId: s.id, why, roomsRemoved: rooms.length };
    this.event(ClusterEventKind.SERVER_REMOVED, { serverId: s.id, detail: `${why}; ${rooms.length} rooms removed` });
    if (s.draining) this.o.log.info("game server removed", fields);
    else this.o.log.warn("game server removed", fields);
  }

  // ---- queries & lifecycle ------------------------------------------------------------------

  /**
   * Adopts the servers a previous Manager left in the store: each gets the usual deadline to
   * attach again, or it is declared dead and its rooms removed. Without this, a server that died
   * while no Manager ran would keep its room mappings forever.
   */
  async recover(): Promise<number> {
    const stored = await this.o.store.listServers();
    let adopted = 0;
    for (const s of stored) {
      if (this.servers.has(s.id)) continue;
      const orphan: Attached = {
        id: s.id,
        epoch: s.epoch,
        region: s.region,
        reportIntervalMs: s.reportIntervalMs || 1000,
        draining: s.state === GameServerState.DRAINING,
      };
      this.servers.set(s.id, orphan);
      await this.o.store.setServerState(s.id, s.epoch, GameServerState.SUSPECT);
      this.armDeathTimer(orphan);
      adopted++;
    }
    if (adopted > 0) this.o.log.info("adopted servers from the store; waiting for them to attach", { servers: adopted });
    return adopted;
  }

  async listServers(): Promise<GameServer[]> {
    return this.store(() => this.o.store.listServers());
  }

  /**
   * Stops timers and pending work and ends every Attach stream, so a shutdown need not wait for
   * streams that never end on their own; game servers reconnect and re-register their rooms.
   */
  close() {
    this.closed = true;
    for (const s of this.servers.values()) {
      clearTimeout(s.deathTimer);
      s.session?.close("manager shutting down");
    }
    this.opens.clear();
  }

  /** Dashboards are told; a failure to tell them never fails the work itself. */
  private event(kind: ClusterEventKind, fields: { roomId?: string; serverId?: string; detail?: string }) {
    this.o.store
      .publishEvent(create(ClusterEventSchema, { time: timestampNow(), kind, ...fields }))
      .catch((e) => this.o.log.debug("could not publish cluster event", { error: String(e) }));
  }

  private async store<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw storeDown(e);
    }
  }
}

function validateAllocate(req: AllocateRoomRequest) {
  if (!isRoomId(req.roomId)) throw new ManagerError("invalid_argument", "room_id must be 22 base64url characters");
  if (req.maxPlayers < 1 || req.maxPlayers > LIMITS.maxPlayers) throw new ManagerError("invalid_argument", "max_players out of range");
  if (req.region.length > LIMITS.regionChars) throw new ManagerError("invalid_argument", "region too long");
  if (req.requestId.length > LIMITS.requestIdChars) throw new ManagerError("invalid_argument", "request_id too long");
}

function validateRegister(reg: Register): string | undefined {
  if (!reg.serverId || reg.serverId.length > LIMITS.idChars) return "server_id must be 1-128 characters";
  if (!/^wss?:\/\/[^\s/]+/.test(reg.address)) return "address must be a ws:// or wss:// URL";
  if (reg.region.length > LIMITS.regionChars) return "region too long";
  if (reg.maxRooms < 1 || reg.maxPlayers < 1) return "max_rooms and max_players must be at least 1";
  if (reg.reportIntervalMs < LIMITS.minReportMs || reg.reportIntervalMs > LIMITS.maxReportMs) return "report_interval_ms out of range";
  return undefined;
}
