import * as grpc from "@grpc/grpc-js";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type AttachRequest,
  AttachRequestSchema,
  type AttachResponse,
  ManagerService,
  RoomCloseReason,
} from "../../gen/roomgate/v1/manager_pb.js";
import { grpcClientConstructor } from "../../common/grpc-adapter.js";
import { ReportPacer } from "../../gameserver/report-pacer.js";
import { LoadWriter, type LoadWriterStore } from "../../gameserver/load-writer.js";
import { silentLogger } from "../../common/log.js";

// Simulated game servers: real Attach streams to the Manager, with none of a game server's rooms
// or sockets behind them. They register, report load on their interval as a game server does
// (when it changed, and otherwise as often as the Manager's heartbeat asks: a Manager that asks
// for none gets a report every interval) and confirm every open_room at once, so the Manager does
// all of its per-room work while a server does the least it can. Given a store, they write their
// reports there when the Manager's registration names an epoch, as a game server does with
// WRITE_LOAD_REPORTS (through the game server's own LoadWriter). A stream that breaks is a finding, not something to hide by reconnecting: the Manager
// would have moved that server's rooms meanwhile.

export interface FleetOptions {
  managerAddress: string;
  count: number;
  idPrefix: string;
  regions: string[];
  maxRooms: number;
  maxPlayers: number;
  reportIntervalMs: number;
  serversPerConnection: number;
  /** Where servers write their own load reports (WRITE_LOAD_REPORTS); absent: every report goes to the Manager. */
  loadStore?: LoadWriterStore;
}

type Msg = MessageInitShape<typeof AttachRequestSchema>["msg"];
type Stream = grpc.ClientDuplexStream<AttachRequest, AttachResponse>;

const STOP_WAIT_MS = 5000;

class SimulatedServer {
  readonly rooms = new Set<string>();
  registered = false;
  ended = false;
  private timer?: NodeJS.Timeout;
  private readonly call: Stream;
  private readonly pacer: ReportPacer;
  private readonly writer?: LoadWriter;
  readonly done: Promise<void>;

  constructor(
    readonly id: string,
    readonly region: string,
    address: string,
    client: grpc.Client,
    private readonly fleet: Fleet,
  ) {
    this.pacer = new ReportPacer(fleet.o.reportIntervalMs);
    if (fleet.o.loadStore) this.writer = new LoadWriter(fleet.o.loadStore, id, silentLogger);
    this.call = (client as unknown as { attach(): Stream }).attach();
    this.done = new Promise((resolve) => this.call.once("status", () => resolve()));
    this.call.on("data", (msg: AttachResponse) => this.onCommand(msg));
    // The status event says the same, and says it once; this only keeps Node from throwing.
    this.call.on("error", () => {});
    this.call.once("status", (s: grpc.StatusObject) => {
      this.ended = true;
      clearInterval(this.timer);
      clearTimeout(this.timer);
      if (!fleet.stopping)
        fleet.problems.push(`${id}: stream ended by the Manager: ${grpc.status[s.code]} ${s.details}`);
    });
    const o = fleet.o;
    this.send({
      case: "register",
      value: {
        serverId: id,
        address,
        region,
        maxRooms: o.maxRooms,
        maxPlayers: o.maxPlayers,
        reportIntervalMs: o.reportIntervalMs,
      },
    });
  }

  private onCommand(msg: AttachResponse) {
    switch (msg.msg.case) {
      case "registered":
        if (this.registered) return;
        this.registered = true;
        this.pacer.registered(msg.msg.value.heartbeatIntervalMs);
        this.writer?.registered(Number(msg.msg.value.epoch), msg.msg.value.deadlineMs);
        this.fleet.onRegistered();
        // Spread over one interval, as a fleet that started at different times would report.
        this.timer = setTimeout(() => {
          this.report();
          this.timer = setInterval(() => this.report(), this.fleet.o.reportIntervalMs);
        }, Math.random() * this.fleet.o.reportIntervalMs);
        return;
      case "openRoom": {
        const roomId = msg.msg.value.roomId;
        if (!this.rooms.has(roomId)) {
          this.rooms.add(roomId);
          this.fleet.liveRooms++;
        }
        this.send({ case: "roomEvent", value: { roomId, event: { case: "opened", value: {} } } });
        return;
      }
      case "closeRoom": {
        const roomId = msg.msg.value.roomId;
        if (this.rooms.delete(roomId)) this.fleet.liveRooms--;
        this.send({
          case: "roomEvent",
          value: { roomId, event: { case: "closed", value: { reason: RoomCloseReason.CLOSED_BY_MANAGER } } },
        });
        return;
      }
      case "drain":
        this.fleet.problems.push(`${this.id}: the Manager asked it to drain`);
        return;
      default:
        return;
    }
  }

  /** Says every room closed, as a server does when its rooms empty. */
  closeAll(): number {
    const ids = [...this.rooms];
    for (const roomId of ids)
      this.send({
        case: "roomEvent",
        value: { roomId, event: { case: "closed", value: { reason: RoomCloseReason.EMPTY } } },
      });
    this.rooms.clear();
    this.fleet.liveRooms -= ids.length;
    return ids.length;
  }

  private report() {
    const load = { players: 0, rooms: this.rooms.size };
    if (!this.pacer.due({ ...load, cpuMoved: false })) return;
    const written = this.writer?.write({ players: load.players, roomCpu: [] });
    if (!written) {
      this.fleet.reportsSent++;
      this.send({ case: "load", value: load });
      return;
    }
    this.fleet.reportsWritten++;
    void written.then((outcome) => {
      if (outcome !== "recorded") this.fleet.problem(`${this.id}: the store answered a load report ${outcome}`);
    });
  }

  private send(msg: Msg) {
    if (!this.ended) this.call.write(create(AttachRequestSchema, { msg }));
  }

  async stop() {
    clearInterval(this.timer);
    clearTimeout(this.timer);
    if (this.ended) return;
    this.call.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.done, new Promise<void>((r) => (timer = setTimeout(r, STOP_WAIT_MS)))]);
    clearTimeout(timer);
    if (!this.ended) this.call.cancel();
  }
}

export class Fleet {
  readonly servers: SimulatedServer[] = [];
  private readonly clients: grpc.Client[] = [];
  readonly problems: string[] = [];
  /** Rooms the fleet holds open right now (what the Manager asked for and was told opened). */
  liveRooms = 0;
  /** Load reports sent to the Manager so far (each server reports when its load changed, or on its Manager's heartbeat). */
  reportsSent = 0;
  /** Load reports written to the store so far (loadStore, and a Manager that names epochs). */
  reportsWritten = 0;
  stopping = false;
  private registeredCount = 0;
  private allRegistered?: () => void;

  constructor(readonly o: FleetOptions) {}

  /** Records a finding; a few dozen say what a thousand would. */
  problem(what: string) {
    if (this.problems.length < 50) this.problems.push(what);
  }

  onRegistered() {
    this.registeredCount++;
    if (this.registeredCount === this.o.count) this.allRegistered?.();
  }

  get registered() {
    return this.registeredCount;
  }

  /** Opens every stream and resolves once the Manager has acknowledged every registration. */
  async attach(limitMs: number): Promise<number> {
    const Client = grpcClientConstructor(ManagerService);
    const t0 = performance.now();
    const all = new Promise<void>((resolve) => (this.allRegistered = resolve));
    for (let i = 0; i < this.o.count; i++) {
      const c = Math.floor(i / this.o.serversPerConnection);
      // A local subchannel pool gives each client its own HTTP/2 connection, as separate
      // game-server processes would have; grpc-js would otherwise share one for the same target.
      this.clients[c] ??= new Client(this.o.managerAddress, grpc.credentials.createInsecure(), {
        "grpc.use_local_subchannel_pool": 1,
      });
      const id = `${this.o.idPrefix}${String(i).padStart(4, "0")}`;
      // Nothing listens there: the address only has to be a well-formed, distinct ws:// URL.
      const address = `ws://127.0.0.1:${20_000 + (i % 40_000)}`;
      this.servers.push(
        new SimulatedServer(id, this.o.regions[i % this.o.regions.length]!, address, this.clients[c]!, this),
      );
    }
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `only ${this.registeredCount} of ${this.o.count} simulated servers registered within ${limitMs} ms; ${this.problems.slice(0, 3).join("; ")}`,
            ),
          ),
        limitMs,
      );
    });
    try {
      await Promise.race([all, limit]);
    } finally {
      clearTimeout(timer);
    }
    return performance.now() - t0;
  }

  /** Closes every room the fleet holds; the Manager then frees them in the store. */
  closeAll(): number {
    return this.servers.reduce((n, s) => n + s.closeAll(), 0);
  }

  /** Streams the Manager ended while the benchmark still needed them. */
  get lost(): number {
    return this.servers.filter((s) => s.ended).length;
  }

  async stop() {
    this.stopping = true;
    await Promise.all(this.servers.map((s) => s.stop()));
    for (const c of this.clients) c?.close();
  }
}
