import { slotOf } from "./slot.js";
import type { RedisClient } from "../redis/client.js";
import type { RedisKeys } from "../redis/keys.js";
import { run, script } from "../redis/lua.js";
import { cellKeys, type CellMapKeys } from "./cell-keys.js";

// The cluster-wide map of cells: which server is in which cell and each cell's region (kept in
// Redis under the map's own hash tag, cached here), each cell's free capacity (read from the
// cells every few hundred milliseconds, cached), and the claims that send an allocation's retries
// to the cell of its first attempt.

type WithKeys<T> = T & { map: CellMapKeys };

// A master's code in the owner table: printable ASCII from '0', so up to 79 masters are told
// apart; a number whose master is unknown (or beyond those) is '.' and taken last.
const OWNER_CODES = Array.from({ length: 79 }, (_, i) => String.fromCharCode(48 + i)).join("");
const UNKNOWN_OWNER = ".";

const cellSlotCache: number[] = [];
/** The hash slot of each cell number's tag: fixed, so worked out once. */
function slotsOfCells(count: number): number[] {
  for (let n = cellSlotCache.length; n < count; n++) cellSlotCache.push(slotOf(`{c${n}}`));
  return cellSlotCache;
}

export const ASSIGN_CELL = script<string>()({
  file: "assign-cell",
  keys: ["ofKey", "regionKey", "sizeKey"],
  args: ["id", "region", "asked", "maxServers", "maxCells", "owners"],
  encode: (
    _k,
    a: WithKeys<{
      id: string;
      region: string;
      asked: string;
      maxServers: number;
      maxCells: number;
      owners: string;
    }>,
  ) => ({
    keys: { ofKey: a.map.serverCells, regionKey: a.map.regions, sizeKey: a.map.sizes },
    args: {
      id: a.id,
      region: a.region,
      asked: a.asked,
      maxServers: a.maxServers,
      maxCells: a.maxCells,
      owners: a.owners,
    },
  }),
});

export const RELEASE_CELL = script<number>()({
  file: "release-cell",
  keys: ["ofKey", "sizeKey"],
  args: ["id"],
  encode: (_k, a: WithKeys<{ id: string }>) => ({
    keys: { ofKey: a.map.serverCells, sizeKey: a.map.sizes },
    args: { id: a.id },
  }),
});

export interface CellClaim {
  roomId: string;
  requestId?: string;
  proposed: number;
  previous?: number;
  ridTtlMs: number;
  idemTtlMs: number;
}

export const CLAIM_CELL = script<string>()({
  file: "claim-cell",
  keys: ["claimKey"],
  args: ["proposed", "previous", "ttlMs"],
  // A request with an idempotency key is claimed by it (a client's retry comes with a new room
  // id); without one, by the room id (a Gateway's retry on another Manager sends the same one).
  encode: (_k, c: WithKeys<CellClaim>) => ({
    keys: { claimKey: c.requestId ? c.map.request(c.requestId) : c.map.allocation(c.roomId) },
    args: {
      proposed: String(c.proposed),
      previous: c.previous === undefined ? "" : String(c.previous),
      ttlMs: Math.max(1, Math.ceil(c.requestId ? c.idemTtlMs : c.ridTtlMs)),
    },
  }),
});

export const CELL_SUMMARY = script<[number, number]>()({
  file: "cell-summary",
  keys: ["poolsKey"],
  args: ["prefix"],
  encode: (k) => ({ keys: { poolsKey: `${k.prefix}pools` }, args: { prefix: k.prefix } }),
});

export const CELL_SCRIPTS = [ASSIGN_CELL, RELEASE_CELL, CLAIM_CELL, CELL_SUMMARY] as const;

export interface CellInfo {
  cell: number;
  region: string;
  /** Free seats on its LIVE servers with a free room slot, as of the last look. */
  freeSeats: number;
  /** Its LIVE servers with a free room slot, as of the last look. */
  openServers: number;
}

export interface CellMapOptions {
  redis: RedisClient;
  prefix: string;
  map: CellMapKeys;
  maxServersPerCell: number;
  maxCells: number;
  /** How old the cached capacities may get. */
  refreshMs: number;
  /** A cell this process had not seen yet (made by it or by another): what it must learn first. */
  onNewCell?: (cell: number) => Promise<void>;
}

export class CellMap {
  private readonly serverCells = new Map<string, number>();
  private readonly announced = new Set<number>();
  private cells = new Map<number, CellInfo>();
  private lookedAt = -Infinity;
  private looking?: Promise<void>;

  constructor(private readonly o: CellMapOptions) {}

  /** The server's cell, assigning one on first registration. */
  async assign(id: string, region: string, asked: string): Promise<number> {
    const cell = Number(
      await run(this.o.redis, NO_KEYS, ASSIGN_CELL, {
        map: this.o.map,
        id,
        region,
        asked,
        maxServers: this.o.maxServersPerCell,
        maxCells: this.o.maxCells,
        owners: this.ownerTable(),
      }),
    );
    this.serverCells.set(id, cell);
    if (!this.cells.has(cell)) this.cells.set(cell, { cell, region, freeSeats: 0, openServers: 0 });
    await this.announce([cell]);
    // Its capacity just changed: the next allocation reads it rather than the cached value.
    this.lookedAt = -Infinity;
    return cell;
  }

  /**
   * Which master holds each cell number's slot, one character per number (see assign-cell.lua),
   * from the cluster's current slot map, so a resharded cluster is followed too. The script picks
   * the master with the fewest cells itself: counted in the client, concurrent registrations
   * all saw the same counts and piled their cells onto one master.
   */
  private ownerTable(): string {
    const slots = (this.o.redis as { slots?: string[][] }).slots;
    if (!slots || slots.length === 0) return "";
    const masters = [...new Set(slots.map((s) => s?.[0]).filter((o): o is string => !!o))].sort();
    const index = new Map(masters.map((m, i) => [m, i]));
    const cellSlots = slotsOfCells(this.o.maxCells);
    let out = "";
    for (let n = 0; n < this.o.maxCells; n++) {
      const i = index.get(slots[cellSlots[n]!]?.[0] ?? "");
      out += i === undefined || i >= OWNER_CODES.length ? UNKNOWN_OWNER : OWNER_CODES[i];
    }
    return out;
  }

  /**
   * The next epoch of the whole cluster: a server removed from one cell may register again into
   * another, and each cell's own counter would give it an epoch its buried life had.
   */
  nextEpoch(): Promise<number> {
    return this.o.redis.incr(this.o.map.epoch);
  }

  /** The server leaves its cell (it was removed). */
  async release(id: string): Promise<void> {
    this.serverCells.delete(id);
    await run(this.o.redis, NO_KEYS, RELEASE_CELL, { map: this.o.map, id });
  }

  /** The server's cell, undefined for a server in none. */
  async serverCell(id: string): Promise<number | undefined> {
    const known = this.serverCells.get(id);
    if (known !== undefined) return known;
    const cell = await this.o.redis.hget(this.o.map.serverCells, id);
    if (cell === null) return undefined;
    this.serverCells.set(id, Number(cell));
    return Number(cell);
  }

  claim(c: CellClaim): Promise<number> {
    return run(this.o.redis, NO_KEYS, CLAIM_CELL, { ...c, map: this.o.map }).then(Number);
  }

  /** Every cell with its cached capacity, fresh to within refreshMs. */
  async all(): Promise<CellInfo[]> {
    if (performance.now() - this.lookedAt > this.o.refreshMs) await this.look();
    return [...this.cells.values()];
  }

  /**
   * Every cell's number, read now (one command): sweeps and listings must see a cell made a moment
   * ago by another process, which the capacity cache may not know yet.
   */
  async numbers(): Promise<number[]> {
    const cells = (await this.o.redis.hkeys(this.o.map.regions)).map(Number).sort((a, b) => a - b);
    const unseen = cells.filter((n) => !this.cells.has(n));
    // Read with their capacities at the next allocation.
    if (unseen.length > 0) this.lookedAt = -Infinity;
    await this.announce(unseen);
    return cells;
  }

  /** Tells onNewCell of each cell once. */
  private async announce(cells: number[]) {
    const fresh = cells.filter((n) => !this.announced.has(n));
    for (const n of fresh) this.announced.add(n);
    await Promise.all(fresh.map((n) => this.o.onNewCell?.(n)));
  }

  /** An allocation found the cell without room: until the next look, it counts as full. */
  sawFull(cell: number) {
    const c = this.cells.get(cell);
    if (c) c.freeSeats = c.openServers = 0;
  }

  private look(): Promise<void> {
    this.looking ??= (async () => {
      try {
        const regions = await this.o.redis.hgetall(this.o.map.regions);
        const next = new Map<number, CellInfo>();
        await Promise.all(
          Object.entries(regions).map(async ([cell, region]) => {
            const n = Number(cell);
            const [seats, servers] = await run(this.o.redis, cellKeys(this.o.prefix, n), CELL_SUMMARY, undefined);
            next.set(n, { cell: n, region, freeSeats: Number(seats), openServers: Number(servers) });
          }),
        );
        this.cells = next;
        this.lookedAt = performance.now();
        await this.announce([...next.keys()]);
      } finally {
        this.looking = undefined;
      }
    })();
    return this.looking;
  }
}

/** The cell-map scripts name their keys themselves. */
const NO_KEYS = undefined as unknown as RedisKeys;
