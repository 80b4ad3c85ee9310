import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { Room } from "../gen/roomgate/v1/common_pb.js";
import { type AttachResponse, AttachResponseSchema } from "../gen/roomgate/v1/manager_pb.js";
import type { Logger } from "../common/log.js";
import { roomTypeOf } from "../common/room-type.js";
import type { ManagerBus } from "../common/store/store.js";
import { ackOf, commandFor, readBus } from "./bus.js";
import { countBus } from "./metrics.js";
import { PendingOpens } from "./pending-opens.js";
import type { Session } from "./session.js";

// Command routing: the game-server streams this Manager holds, and how a command reaches any
// server: on a stream held here, or through the store's bus to the Manager holding it. A
// server's answer to open_room comes back the same way to whichever Manager waits for it.

export type Command = MessageInitShape<typeof AttachResponseSchema>["msg"];

/** A game server's stream held by this Manager: one life (epoch) of one server. */
export interface HeldStream {
  readonly id: string;
  epoch: number;
  readonly session: Session;
}

export interface CommandRouterOptions {
  store: ManagerBus;
  log: Logger;
  /** How long a server has to answer open_room before the open fails. */
  openRoomTimeoutMs: number;
}

export class CommandRouter {
  private readonly held = new Map<string, HeldStream>();
  private readonly opens = new PendingOpens();
  private unsubscribe?: () => void;
  private closed = false;

  constructor(private readonly o: CommandRouterOptions) {}

  /** Keeps trying while the store is down: a Manager started during an outage serves `unavailable` until it is back. */
  async joinBus() {
    while (!this.closed) {
      try {
        this.unsubscribe = await this.o.store.subscribeBus((bytes) => this.onBus(bytes));
        return;
      } catch (e) {
        this.o.log.warn("cannot subscribe to the Manager bus yet; retrying", { error: String(e) });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** Commands for this server go to `stream` from now on; returns the stream it replaces, if any. */
  hold(stream: HeldStream): HeldStream | undefined {
    const previous = this.held.get(stream.id);
    this.held.set(stream.id, stream);
    return previous === stream ? undefined : previous;
  }

  /** The stream ended; false when it was no longer the one held. Opens waiting on its server fail. */
  release(stream: HeldStream): boolean {
    if (this.held.get(stream.id) !== stream) return false;
    this.held.delete(stream.id);
    this.opens.failServer(stream.id, new Error(`server ${stream.id} detached`));
    return true;
  }

  /** The store no longer has this life of the server: end its stream, if we hold it. */
  forget(serverId: string, epoch: number, why: string) {
    const s = this.held.get(serverId);
    if (!s || s.epoch !== epoch) return;
    this.held.delete(serverId);
    s.session.close(why);
    this.opens.failServer(serverId, new Error(`server ${serverId} is gone`));
  }

  /** Delivers a command to a game server: on our own stream, or through the bus to the Manager holding it. */
  command(serverId: string, msg: Command) {
    const local = this.held.get(serverId);
    const command = create(AttachResponseSchema, { msg });
    if (local) {
      local.session.send(command);
      return;
    }
    countBus("sent");
    this.o.store
      .publishBus(commandFor(serverId, command))
      .catch((e) => this.o.log.warn("could not reach the bus", { error: String(e) }));
  }

  /** Sends open_room to the room's server, wherever its stream is, and waits for the answer. */
  open(room: Room, firstJoinTimeoutMs: number, restore = false, snapshot?: Uint8Array): Promise<void> {
    const done = this.opens.expect(room.roomId, room.serverId, this.o.openRoomTimeoutMs);
    this.command(room.serverId, {
      case: "openRoom",
      value: {
        roomId: room.roomId,
        maxPlayers: room.maxPlayers,
        firstJoinTimeoutMs,
        restore,
        snapshot: snapshot ?? new Uint8Array(),
        roomType: roomTypeOf(room.labels),
        metadata: room.metadata,
      },
    });
    return done;
  }

  /** The open of this room under way here, for a second request that found the same room. */
  inFlight(roomId: string): Promise<void> | undefined {
    return this.opens.inFlight(roomId);
  }

  /** A server answered open_room (an empty error: it opened the room); `serverId` is who answered. */
  async answered(roomId: string, serverId: string, error: string) {
    // The Manager waiting for this answer may be another one (it placed the room, or retried it).
    // The answer this Manager was waiting for needs no bus message: only another Manager's does.
    if (this.opens.settle(roomId, error ? new Error(error) : undefined, serverId)) return;
    countBus("sent");
    await this.o.store.publishBus(ackOf(roomId, serverId, error));
  }

  /** Leaves the bus, ends every stream held here and fails every open still waiting. */
  close(reason: string) {
    this.closed = true;
    this.unsubscribe?.();
    for (const s of this.held.values()) s.session.close(reason);
    this.held.clear();
    this.opens.clear();
  }

  private onBus(bytes: Uint8Array) {
    const msg = readBus(bytes);
    if (!msg) return;
    countBus("received");
    if (msg.msg.case === "command") {
      const { serverId, command } = msg.msg.value;
      if (command) this.held.get(serverId)?.session.send(command as AttachResponse);
    } else if (msg.msg.case === "ack") {
      const { roomId, serverId, error } = msg.msg.value;
      this.opens.settle(roomId, error ? new Error(error) : undefined, serverId);
    }
  }
}
