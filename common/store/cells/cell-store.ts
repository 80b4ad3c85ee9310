import type { Cluster } from "ioredis";
import type { Room } from "../../../gen/roomgate/v1/common_pb.js";
import type { Logger } from "../../log.js";
import { checkEventHistory, DEFAULT_EVENT_HISTORY, type EventHistoryLimits } from "../event-history.js";
import { instrumentRedis } from "../redis/command-metrics.js";
import { RedisChannels, RedisLeases } from "../redis/channels.js";
import { RedisContext } from "../redis/context.js";
import { RedisKeys } from "../redis/keys.js";
import { prepareScripts } from "../redis/lua.js";
import { RedisMigration } from "../redis/migration.js";
import { RedisRooms } from "../redis/rooms.js";
import { RedisSeats } from "../redis/seats.js";
import { RedisSpentTokens } from "../redis/tokens.js";
import { RedisLiveness, RedisServers } from "../redis/servers.js";
import { STORE_SCRIPTS } from "../redis-store.js";
import { listCursor } from "../placement.js";
import type { AllocateInput, AllocateResult, Claim, RoomOnServer, TokenOpen, TokenOpenResult } from "../rooms.js";
import type { HoldResult, JoinPublicResult, QuickJoin, RoomQuery, SeatRequest } from "../seats.js";
import type {
  LoadReport,
  OwnLoadAnswer,
  OwnLoadReport,
  RemovedServer,
  ServerEpoch,
  ServerRegistration,
} from "../servers.js";
import type { MoveRequest, MoveResult } from "../migration.js";
import type { GameServerState } from "../../../gen/roomgate/v1/common_pb.js";
import type { RoomStore } from "../store.js";
import { CELL_SCRIPTS, CellMap } from "./cell-map.js";
import { cellKeys, CellMapKeys } from "./cell-keys.js";
import { cellOfRoom, inCell, MAX_CELLS } from "./cell-code.js";
import { cellOrder } from "./cell-order.js";
import { Replication, type ReplicationOptions } from "./replication.js";

// The store on a Redis Cluster: servers and their rooms grouped into cells, each cell the
// single-Redis store under keys that share the cell's hash tag, so every atomic script runs on one
// node and the cells spread over all masters. Calls about a room go to the cell its id names;
// calls about a server to the cell it was assigned; an allocation picks a cell from cached
// capacities and places atomically inside it, trying the next cell when one is full. Sweeps
// (expired servers, stalled opens, rooms to move) look in every cell.

export interface CellStoreOptions {
  redis: Cluster;
  keyPrefix?: string;
  /** A region's servers fill a cell up to this many before the region gets another cell. */
  maxServersPerCell?: number;
  /** How stale the cached per-cell capacities may get before an allocation reads them again. */
  summaryRefreshMs?: number;
  eventHistory?: EventHistoryLimits;
  /** How long a published cluster event waits for others to go out with (ms; 0: the same turn's only). */
  eventFlushMs?: number;
  /** What a room's writes wait for before the store answers (see replication.ts). */
  replication?: ReplicationOptions;
  log?: Logger;
}

export const DEFAULT_MAX_SERVERS_PER_CELL = 64;
export const DEFAULT_CELL_SUMMARY_REFRESH_MS = 250;

/** A server label that puts it in a cell of the operator's choosing (a number, 0..4095). */
export const CELL_LABEL = "cell";

interface CellParts {
  servers: RedisServers;
  liveness: RedisLiveness;
  rooms: RedisRooms;
  seats: RedisSeats;
  migration: RedisMigration;
}

export class CellStore implements RoomStore {
  readonly redis: Cluster;
  readonly map: CellMap;
  private readonly prefix: string;
  private readonly parts = new Map<number, CellParts>();
  private readonly channels: RedisChannels;
  private readonly leases: RedisLeases;
  private readonly tokens: RedisSpentTokens;
  private readonly replication: Replication;

  constructor(o: CellStoreOptions) {
    const history = checkEventHistory(o.eventHistory ?? DEFAULT_EVENT_HISTORY);
    this.redis = o.redis;
    this.prefix = o.keyPrefix ?? "rg:";
    instrumentRedis(o.redis);
    prepareScripts([...STORE_SCRIPTS, ...CELL_SCRIPTS]);
    const global = new RedisContext(o.redis, new RedisKeys(this.prefix));
    this.channels = new RedisChannels(global, true, history, o.log, o.eventFlushMs);
    this.leases = new RedisLeases(global);
    this.tokens = new RedisSpentTokens(global);
    this.replication = new Replication(o.redis, { replicas: 1, timeoutMs: 50, ...o.replication, log: o.log });
    this.map = new CellMap({
      redis: o.redis,
      prefix: this.prefix,
      map: new CellMapKeys(this.prefix),
      maxServersPerCell: positive(o.maxServersPerCell ?? DEFAULT_MAX_SERVERS_PER_CELL, "maxServersPerCell"),
      maxCells: MAX_CELLS,
      refreshMs: o.summaryRefreshMs ?? DEFAULT_CELL_SUMMARY_REFRESH_MS,
      onNewCell: (n) => this.beatInto(n),
    });
  }

  /** The single-Redis store's parts over one cell's keys. */
  cell(n: number): CellParts {
    let p = this.parts.get(n);
    if (!p) {
      const c = new RedisContext(this.redis, cellKeys(this.prefix, n));
      p = {
        servers: new RedisServers(c),
        liveness: new RedisLiveness(c),
        rooms: new RedisRooms(c),
        seats: new RedisSeats(c),
        migration: new RedisMigration(c),
      };
      this.parts.set(n, p);
    }
    return p;
  }

  private cells(): Promise<number[]> {
    return this.map.numbers();
  }

  /** The parts of the cell a room id names; undefined for an id that names none. */
  private roomCell(roomId: string): CellParts | undefined {
    const n = cellOfRoom(roomId);
    return n === undefined ? undefined : this.cell(n);
  }

  private async serverCell(id: string): Promise<CellParts | undefined> {
    const n = await this.map.serverCell(id);
    return n === undefined ? undefined : this.cell(n);
  }

  // --- servers ---

  async registerServer(reg: ServerRegistration) {
    const asked = reg.labels[CELL_LABEL] ?? "";
    if (asked !== "" && !(/^\d{1,4}$/.test(asked) && Number(asked) < MAX_CELLS))
      throw new RangeError(`label ${CELL_LABEL}=${asked}: a cell is a number from 0 to ${MAX_CELLS - 1}`);
    const n = await this.map.assign(reg.id, reg.region, asked);
    return this.cell(n).servers.registerServer({ ...reg, epoch: await this.map.nextEpoch() });
  }

  async getServer(id: string) {
    return (await this.serverCell(id))?.servers.getServer(id);
  }

  async listServers() {
    const all = await Promise.all((await this.cells()).map((n) => this.cell(n).servers.listServers()));
    return all.flat();
  }

  async setServerState(s: ServerEpoch & { state: GameServerState }) {
    return (await (await this.serverCell(s.id))?.servers.setServerState(s)) ?? false;
  }

  async listServerRooms(serverId: string) {
    return (await (await this.serverCell(serverId))?.servers.listServerRooms(serverId)) ?? [];
  }

  // --- liveness ---

  async recordLoad(r: LoadReport) {
    return (await this.recordLoads([r]))[0] === true;
  }

  async recordOwnLoad(r: OwnLoadReport): Promise<OwnLoadAnswer> {
    // A server the map has no cell for was removed: as a report of another life would be.
    const n = await this.map.serverCell(r.id);
    if (n === undefined) return "stale";
    const answer = await this.cell(n).liveness.recordOwnLoad(r);
    if (answer !== "stale") await this.replication.confirm(cellKeys(this.prefix, n).servers);
    return answer;
  }

  async recordLoads(reports: readonly LoadReport[]) {
    const out: boolean[] = new Array(reports.length).fill(false);
    const byCell = new Map<number, number[]>();
    for (let i = 0; i < reports.length; i++) {
      const n = await this.map.serverCell(reports[i]!.id);
      if (n === undefined) continue;
      let list = byCell.get(n);
      if (!list) byCell.set(n, (list = []));
      list.push(i);
    }
    await Promise.all(
      [...byCell].map(async ([n, idx]) => {
        const ok = await this.cell(n).liveness.recordLoads(idx.map((i) => reports[i]!));
        // A recorded report extends its server's fencing lease (its answer says so): a master's
        // death must not take the record back, or the server is declared dead while it still
        // runs its rooms.
        if (ok.some((v) => v === true)) await this.replication.confirm(cellKeys(this.prefix, n).servers);
        idx.forEach((i, j) => {
          out[i] = ok[j] === true;
        });
      }),
    );
    return out;
  }

  async expiredServers(q: { nowMs: number; limit: number }) {
    const out: ServerEpoch[] = [];
    for (const n of await this.cells()) {
      if (out.length >= q.limit) break;
      out.push(...(await this.cell(n).liveness.expiredServers({ nowMs: q.nowMs, limit: q.limit - out.length })));
    }
    return out;
  }

  async removeServer(s: ServerEpoch & { nowMs: number }): Promise<RemovedServer | undefined> {
    const n = await this.map.serverCell(s.id);
    if (n === undefined) return undefined;
    const removed = await this.cell(n).liveness.removeServer(s);
    if (removed) await this.map.release(s.id);
    return removed;
  }

  async heartbeat(h: { managerId: string; nowMs: number; ttlMs: number }) {
    // Placement inside a cell asks whether a server's Manager is alive: every cell keeps a copy,
    // and a cell that appears later gets one as soon as this process sees it (beatInto).
    this.lastBeat = { managerId: h.managerId, ttlMs: h.ttlMs, at: performance.now() };
    await Promise.all((await this.cells()).map((n) => this.cell(n).liveness.heartbeat(h)));
  }

  private lastBeat?: { managerId: string; ttlMs: number; at: number };

  /** This process's latest heartbeat, for what is left of it, into a cell it had not seen. */
  private async beatInto(n: number) {
    const b = this.lastBeat;
    if (!b || b.ttlMs <= 0) return;
    const left = Math.floor(b.ttlMs - (performance.now() - b.at));
    if (left > 0) await this.cell(n).liveness.heartbeat({ managerId: b.managerId, nowMs: Date.now(), ttlMs: left });
  }

  // --- rooms ---

  async allocateRoom(input: AllocateInput): Promise<AllocateResult> {
    const order = cellOrder(await this.map.all(), input);
    let previous: number | undefined;
    const tried = new Set<number>();
    const verdicts = new Set<string>();
    for (const candidate of order) {
      if (tried.has(candidate.cell)) continue;
      const n = await this.map.claim({
        roomId: input.roomId,
        requestId: input.requestId,
        proposed: candidate.cell,
        previous,
        ridTtlMs: Math.max(1, input.openDeadlineMs - input.nowMs),
        idemTtlMs: input.idempotencyTtlMs,
      });
      // A retry of this room moved the claim back to a cell already found without room.
      if (tried.has(n)) break;
      tried.add(n);
      const roomId = inCell(input.roomId, n);
      const r = await this.cell(n).rooms.allocateRoom({ ...input, roomId });
      switch (r.kind) {
        case "full":
        case "none":
        case "unreached":
          verdicts.add(r.kind);
          this.map.sawFull(n);
          previous = n;
          continue;
        case "collision":
          return { kind: "collision", roomId };
        case "created":
          await this.replication.confirm(cellKeys(this.prefix, n).room(roomId));
          return r;
        default:
          // existing, over_cap, and a Gateway's token-only needs_open (tokenOpenOnly rides in the
          // input): its caller asks a Manager, which places the same room id through the same claim.
          return r;
      }
    }
    // As one Redis would answer: a silent Manager first, then servers that exist but are full.
    if (verdicts.has("unreached")) return { kind: "unreached" };
    if (verdicts.has("full")) return { kind: "full" };
    return { kind: "none" };
  }

  async confirmRoom(r: RoomOnServer & { nowMs: number }) {
    const n = cellOfRoom(r.roomId);
    if (n === undefined) return false;
    const ok = await this.cell(n).rooms.confirmRoom(r);
    if (ok) await this.replication.confirm(cellKeys(this.prefix, n).room(r.roomId));
    return ok;
  }

  /**
   * Spent tokens live apart from the cells (the Gateway spends them too, knowing no cell), so the
   * token is spent first, then the room recorded in its cell: two round trips, in that order.
   */
  async openRoomOnToken(t: TokenOpen): Promise<TokenOpenResult> {
    const n = cellOfRoom(t.roomId);
    if (!(await this.tokens.spendToken(t))) return "spent";
    if (n === undefined) return "gone";
    const result = await this.cell(n).rooms.recordOpenOnToken(t, false);
    if (result === "opened") await this.replication.confirm(cellKeys(this.prefix, n).room(t.roomId));
    return result;
  }

  async claimExpiredOpening(c: Claim) {
    return this.gather(c.limit, (n, limit) => this.cell(n).rooms.claimExpiredOpening({ ...c, limit }));
  }

  async getRoom(roomId: string, nowMs?: number) {
    return this.roomCell(roomId)?.rooms.getRoom(roomId, nowMs);
  }

  async deleteRoom(roomId: string, serverId?: string) {
    return (await this.roomCell(roomId)?.rooms.deleteRoom(roomId, serverId)) ?? false;
  }

  async countRooms() {
    const counts = await Promise.all((await this.cells()).map((n) => this.cell(n).rooms.countRooms()));
    return counts.reduce((a, b) => ({ opening: a.opening + b.opening, moving: a.moving + b.moving }), {
      opening: 0,
      moving: 0,
    });
  }

  // --- seats, quick-join, listings ---

  async holdSeat(seat: SeatRequest & { roomId: string; rejoin: boolean }): Promise<HoldResult> {
    return (await this.roomCell(seat.roomId)?.seats.holdSeat(seat)) ?? { kind: "missing" };
  }

  async setRoomPlayers(r: RoomOnServer & { count: number; joinedPlayerIds: string[]; nowMs: number }) {
    return (await this.roomCell(r.roomId)?.seats.setRoomPlayers(r)) ?? false;
  }

  async joinPublic(q: QuickJoin): Promise<JoinPublicResult> {
    for (const c of cellOrder(await this.map.all(), { regions: q.regions, seats: 1, strategy: "packed" })) {
      const r = await this.cell(c.cell).seats.joinPublic(q);
      if (r.kind !== "none") return r;
    }
    return { kind: "none" };
  }

  /** Every cell's page after the same cursor, merged newest first: the cursor is a place in one global order. */
  async listRooms(q: RoomQuery): Promise<{ rooms: Room[]; next?: string }> {
    const pages = await Promise.all((await this.cells()).map((n) => this.cell(n).seats.listRooms(q)));
    const merged = pages.flatMap((p) => p.rooms).sort((a, b) => newerFirst(a, b));
    const more = merged.length > q.limit || pages.some((p) => p.next !== undefined);
    const rooms = merged.slice(0, q.limit);
    const last = rooms[rooms.length - 1];
    return { rooms, next: more && last ? listCursor(createdMs(last), last.roomId) : undefined };
  }

  // --- migration ---

  async saveSnapshot(s: RoomOnServer & { snapshot: Uint8Array }) {
    return (await this.roomCell(s.roomId)?.migration.saveSnapshot(s)) ?? false;
  }

  async getSnapshot(roomId: string) {
    return this.roomCell(roomId)?.migration.getSnapshot(roomId);
  }

  async handOver(h: RoomOnServer & { snapshot?: Uint8Array; nowMs: number; leaseMs: number }) {
    return (await this.roomCell(h.roomId)?.migration.handOver(h)) ?? false;
  }

  async claimMoving(c: Claim) {
    return this.gather(c.limit, (n, limit) => this.cell(n).migration.claimMoving({ ...c, limit }));
  }

  async moveRoom(m: MoveRequest): Promise<MoveResult> {
    return (await this.roomCell(m.roomId)?.migration.moveRoom(m)) ?? { kind: "gone" };
  }

  async finishMove(r: RoomOnServer & { nowMs: number }) {
    const n = cellOfRoom(r.roomId);
    if (n === undefined) return false;
    const ok = await this.cell(n).migration.finishMove(r);
    if (ok) await this.replication.confirm(cellKeys(this.prefix, n).room(r.roomId));
    return ok;
  }

  async deferMove(d: { roomId: string; untilMs: number }) {
    await this.roomCell(d.roomId)?.migration.deferMove(d);
  }

  async listMoving(limit: number) {
    return this.gather(limit, (n, left) => this.cell(n).migration.listMoving(left));
  }

  // --- cluster-wide: channels, leases, spent tokens ---

  publishEvent(...a: Parameters<RedisChannels["publishEvent"]>) {
    return this.channels.publishEvent(...a);
  }
  subscribeEvents(...a: Parameters<RedisChannels["subscribeEvents"]>) {
    return this.channels.subscribeEvents(...a);
  }
  recentEvents(...a: Parameters<RedisChannels["recentEvents"]>) {
    return this.channels.recentEvents(...a);
  }
  publishBus(...a: Parameters<RedisChannels["publishBus"]>) {
    return this.channels.publishBus(...a);
  }
  subscribeBus(...a: Parameters<RedisChannels["subscribeBus"]>) {
    return this.channels.subscribeBus(...a);
  }
  acquireLease(...a: Parameters<RedisLeases["acquireLease"]>) {
    return this.leases.acquireLease(...a);
  }
  spendToken(...a: Parameters<RedisSpentTokens["spendToken"]>) {
    return this.tokens.spendToken(...a);
  }

  handOnToken(...a: Parameters<RedisSpentTokens["handOnToken"]>) {
    return this.tokens.handOnToken(...a);
  }

  async close() {
    await this.channels.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Up to `limit` items from the cells in turn. */
  private async gather<T>(limit: number, from: (cell: number, limit: number) => Promise<T[]>): Promise<T[]> {
    const out: T[] = [];
    for (const n of await this.cells()) {
      if (out.length >= limit) break;
      out.push(...(await from(n, limit - out.length)));
    }
    return out;
  }
}

function createdMs(r: Room): number {
  const t = r.createTime;
  return t ? Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6) : 0;
}

/** Newest first; rooms of the same millisecond in reverse id order, as each cell lists them. */
function newerFirst(a: Room, b: Room): number {
  const d = createdMs(b) - createdMs(a);
  if (d !== 0) return d;
  return a.roomId < b.roomId ? 1 : a.roomId > b.roomId ? -1 : 0;
}

function positive(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, not ${v}`);
  return v;
}
