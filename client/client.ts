import { Code } from "@connectrpc/connect";
import { type Room as RoomInfo, RoomVisibility } from "./gen/roomgate/v1/common_pb.js";
import { createGateway, type Gateway } from "./gateway.js";
import { codeOf } from "./gateway-error.js";
import {
  type ResolvedReconnect,
  resolveReconnect,
  resolveRegionOptions,
  type RoomgateClientOptions,
} from "./options.js";
import { openSocket } from "#platform";
import type { Ticket } from "./wire.js";
import {
  type MeasureRegionsOptions,
  type RegionEndpoint,
  type RegionLatency,
  RegionMeter,
  wireLatencies,
} from "./regions.js";
import type {
  CreateRoomOptions,
  JoinOrCreateOptions,
  JoinRoomOptions,
  ListRoomsOptions,
  PlacementOptions,
  RoomPage,
} from "./requests.js";
import { Room } from "./room.js";
import type { OpenSocket } from "./socket.js";
import { type ClientTracing, traced, tracedFirstOpen } from "./trace-hook.js";

/** Talks to one Gateway (or a load balancer in front of several) and opens rooms. */
export class RoomgateClient {
  private readonly gateway: Gateway;
  private readonly reconnect: ResolvedReconnect;
  private readonly meter: RegionMeter;
  private readonly tracing: ClientTracing | undefined;

  constructor(gatewayUrl: string, options: RoomgateClientOptions = {}) {
    const protocol = options.protocol ?? "connect";
    if (protocol !== "connect" && protocol !== "grpc-web")
      throw new TypeError(`protocol must be "connect" or "grpc-web", got ${String(protocol)}`);
    const token = options.token;
    if (token !== undefined && typeof token !== "string" && typeof token !== "function")
      throw new TypeError(`token must be a string or a function, got ${typeof token}`);
    this.tracing = options.tracing;
    if (this.tracing !== undefined && typeof this.tracing.span !== "function")
      throw new TypeError("tracing must be a ClientTracing (openTelemetry() of @roomgate/client/tracing)");
    this.gateway = createGateway(gatewayUrl, protocol, token);
    this.reconnect = resolveReconnect(options.reconnect);
    this.meter = new RegionMeter(async () => {
      try {
        return (await this.listRegions()).regions;
      } catch (e) {
        // A Gateway older than ListRegions has no regions to offer.
        if (codeOf(e) === Code.Unimplemented) return [];
        throw e;
      }
    }, resolveRegionOptions(options.regions));
  }

  /**
   * Creates a room and joins it; resolves once the game server has welcomed this player. The room
   * goes to `region` or the fastest measured region with room (see PlacementOptions).
   */
  createRoom<D = unknown>(options: CreateRoomOptions = {}): Promise<Room<D>> {
    return traced(this.tracing, "roomgate.client/createRoom", async (trace) => {
      const ticket = await this.gateway.createRoom(
        {
          region: options.region ?? "",
          maxPlayers: options.maxPlayers ?? 0,
          playerName: options.playerName ?? "",
          requestId: options.requestId ?? "",
          labels: options.labels ?? {},
          visibility: visibility(options.visibility),
          mode: options.mode ?? "",
          metadata: options.metadata ?? {},
          latencies: await this.latencies(options),
          roomType: options.roomType ?? "",
        },
        { headers: trace },
      );
      // An idempotent retry (same requestId) also counts as created: it is the creator's seat.
      return this.enter<D>(ticket, options.playerName ?? "", true, tracedFirstOpen(openSocket, trace.traceparent));
    });
  }

  /**
   * Quick-join: a seat in an open public room of the mode (same size and labels), in `region`, or
   * else in a region within the Gateway's slack of the fastest measured one; or, when no such room
   * has a free seat, a new public room for the player. Resolves once welcomed; `room.created` says
   * which it was. Two players never get the same last seat.
   */
  joinOrCreate<D = unknown>(options: JoinOrCreateOptions): Promise<Room<D>> {
    return traced(this.tracing, "roomgate.client/joinOrCreate", async (trace) => {
      const res = await this.gateway.joinOrCreate(
        {
          mode: options.mode,
          region: options.region ?? "",
          maxPlayers: options.maxPlayers ?? 0,
          labels: options.labels ?? {},
          metadata: options.metadata ?? {},
          playerName: options.playerName ?? "",
          latencies: await this.latencies(options),
          roomType: options.roomType ?? "",
        },
        { headers: trace },
      );
      return this.enter<D>(res, options.playerName ?? "", res.created, tracedFirstOpen(openSocket, trace.traceparent));
    });
  }

  /** Joins an existing room; resolves once the game server has welcomed this player. */
  joinRoom<D = unknown>(roomId: string, options: JoinRoomOptions = {}): Promise<Room<D>> {
    return traced(this.tracing, "roomgate.client/joinRoom", async (trace) => {
      const ticket = await this.gateway.joinRoom(
        { roomId, playerName: options.playerName ?? "", rejoinToken: options.rejoinToken ?? "" },
        { headers: trace },
      );
      return this.enter<D>(ticket, options.playerName ?? "", false, tracedFirstOpen(openSocket, trace.traceparent));
    });
  }

  /** Describes a room without joining it; rejects with code NotFound (a ConnectError to the game) when there is none. */
  async getRoom(roomId: string): Promise<RoomInfo> {
    const res = await this.gateway.getRoom({ roomId });
    if (!res.room) throw new Error(`Gateway answered GetRoom(${roomId}) without a room`);
    return res.room;
  }

  /** One page of public rooms (OPEN or moving), newest first; private rooms are never listed. */
  async listRooms(options: ListRoomsOptions = {}): Promise<RoomPage> {
    const res = await this.gateway.listRooms({
      mode: options.mode ?? "",
      region: options.region ?? "",
      includeFull: options.includeFull ?? false,
      pageSize: options.pageSize ?? 0,
      pageToken: options.pageToken ?? "",
    });
    return { rooms: res.rooms, nextPageToken: res.nextPageToken };
  }

  /** Every region's Gateway (empty when the deployment has one region), and the answering Gateway's region. */
  async listRegions(): Promise<{ region: string; regions: RegionEndpoint[] }> {
    const res = await this.gateway.listRegions({});
    return { region: res.region, regions: res.regions.map((r) => ({ region: r.region, url: r.url })) };
  }

  /**
   * Round-trip times to every region the Gateway lists (ListRegions), fastest first: each region's
   * GET {url}/ping, one warm-up then `samples` (3) requests one after another, the median; all
   * regions at once. A region that fails or does not answer within `timeoutMs` is left out; none
   * listed, none returned. Cached for the client's `regions.cacheMs` (5 minutes; `maxAgeMs: 0`
   * measures anew), and concurrent calls share one measurement. Rejects only when ListRegions fails.
   */
  measureRegions(options: MeasureRegionsOptions = {}): Promise<RegionLatency[]> {
    return this.meter.measure(options);
  }

  private async latencies(o: PlacementOptions): Promise<RegionLatency[]> {
    if (o.latencies) return wireLatencies(o.latencies);
    if (o.measureRegions === true) return wireLatencies(await this.meter.measure());
    if (o.measureRegions === false || o.region) return [];
    try {
      return wireLatencies(await this.meter.measure());
    } catch {
      return []; // a hint only: the Gateway places the room without it
    }
  }

  /** `open` opens the first connection (with the call's traceparent); the Room's later ones send none. */
  private async enter<D>(ticket: Ticket, playerName: string, created: boolean, open: OpenSocket): Promise<Room<D>> {
    const room = new Room<D>(ticket.roomId, {
      gateway: this.gateway,
      openSocket: open,
      playerName,
      reconnect: this.reconnect,
    });
    room.created = created;
    await room.start(ticket);
    return room;
  }
}

function visibility(v: CreateRoomOptions["visibility"]): RoomVisibility {
  switch (v) {
    case undefined:
      return RoomVisibility.UNSPECIFIED; // the Gateway's default: private
    case "public":
      return RoomVisibility.PUBLIC;
    case "private":
      return RoomVisibility.PRIVATE;
    default:
      throw new TypeError(`visibility must be "public" or "private", got ${String(v)}`);
  }
}
