import { createClient, type Client } from "@connectrpc/connect";
import type { Room as RoomInfo } from "../gen/roomgate/v1/common_pb.js";
import { GatewayService } from "../gen/roomgate/v1/gateway_pb.js";
import { type ResolvedReconnect, resolveReconnect, type RoomgateClientOptions } from "./options.js";
import { createGatewayTransport, openSocket } from "./platform.js";
import type { Ticket } from "./protocol.js";
import { Room } from "./room.js";

export interface CreateRoomOptions {
  /** Preferred region; the Gateway falls back to others when it has no room there. */
  region?: string;
  /** Seats; the deployment's default when left out. */
  maxPlayers?: number;
  playerName?: string;
  /** Idempotency key: retrying with the same key gets the same room and player. */
  requestId?: string;
}

export interface JoinRoomOptions {
  playerName?: string;
  /**
   * A join token this player had for the room (Room.joinToken), even an expired one within the
   * Gateway's rejoin window: the player comes back under the same id, with its seat and the state
   * it owns. The Gateway refuses a bad token (unauthenticated) or one for another room
   * (invalid_argument).
   */
  rejoinToken?: string;
}

/** Talks to one Gateway (or a load balancer in front of several) and opens rooms. */
export class RoomgateClient {
  private readonly gateway: Client<typeof GatewayService>;
  private readonly reconnect: ResolvedReconnect;

  constructor(gatewayUrl: string, options: RoomgateClientOptions = {}) {
    const protocol = options.protocol ?? "connect";
    if (protocol !== "connect" && protocol !== "grpc-web") throw new TypeError(`protocol must be "connect" or "grpc-web", got ${String(protocol)}`);
    this.gateway = createClient(GatewayService, createGatewayTransport(gatewayUrl, protocol));
    this.reconnect = resolveReconnect(options.reconnect);
  }

  /** Creates a room and joins it; resolves once the game server has welcomed this player. */
  async createRoom(options: CreateRoomOptions = {}): Promise<Room> {
    const ticket = await this.gateway.createRoom({
      region: options.region ?? "",
      maxPlayers: options.maxPlayers ?? 0,
      playerName: options.playerName ?? "",
      requestId: options.requestId ?? "",
    });
    return this.enter(ticket, options.playerName ?? "");
  }

  /** Joins an existing room; resolves once the game server has welcomed this player. */
  async joinRoom(roomId: string, options: JoinRoomOptions = {}): Promise<Room> {
    const ticket = await this.gateway.joinRoom({ roomId, playerName: options.playerName ?? "", rejoinToken: options.rejoinToken ?? "" });
    return this.enter(ticket, options.playerName ?? "");
  }

  /** Describes a room without joining it; rejects with ConnectError code NotFound when there is none. */
  async getRoom(roomId: string): Promise<RoomInfo> {
    const res = await this.gateway.getRoom({ roomId });
    if (!res.room) throw new Error(`Gateway answered GetRoom(${roomId}) without a room`);
    return res.room;
  }

  private async enter(ticket: Ticket, playerName: string): Promise<Room> {
    const room = new Room(ticket.roomId, { gateway: this.gateway, openSocket, playerName, reconnect: this.reconnect });
    await room.start(ticket);
    return room;
  }
}
