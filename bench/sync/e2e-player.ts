import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import WebSocket from "ws";
import { ClientFrameSchema, ServerFrameSchema } from "../../gen/roomgate/v1/room_pb.js";
import { encodeValue } from "@roomgate/client/sync";
import { roomUrl } from "../../testkit/client.js";
import { OpError } from "../lib/errors.js";
import { monotonicMs } from "./clock.js";
import { ArenaFollower } from "./e2e-follow.js";
import type { StampsReply } from "./e2e-rooms.js";
import type { SyncOptions } from "./options.js";

// One player of the end-to-end run: a raw WebSocket whose frames are decoded with protocol/sync as
// the SDK would (e2e-follow.ts), counting what each state frame cost and when it arrived.

/** The shared measurement window, in monotonic ms; frames outside it are applied but not counted. */
export interface Window {
  from: number;
  to: number;
}

const JOIN_TIMEOUT_MS = 15_000;
const STAMPS_TIMEOUT_MS = 10_000;

export class SyncPlayer {
  /** Frames that carried the state, received in the window: count, WebSocket payload bytes, sync bytes. */
  frames = 0;
  wireBytes = 0;
  syncBytes = 0;
  /** Tick and receive time (monotonic ms, once the state was applied and its tick found) of each state in the window. */
  readonly ticks: number[] = [];
  readonly receivedAt: number[] = [];
  errors: string[] = [];
  private readonly follower: ArenaFollower;
  private onStamps?: (r: StampsReply) => void;
  private welcomed?: () => void;

  private constructor(
    readonly ws: WebSocket,
    o: SyncOptions,
    fullState: boolean,
    float32: boolean,
    private readonly window: Window,
  ) {
    this.follower = new ArenaFollower(o, fullState, float32);
    ws.on("message", (data: Buffer) => this.received(data));
  }

  /** Connects and resolves once welcomed (every frame is handled from the first on). */
  static join(
    serverAddress: string,
    roomId: string,
    token: string,
    o: SyncOptions,
    mode: { fullState: boolean; float32: boolean },
    window: Window,
  ): Promise<SyncPlayer> {
    const ws = new WebSocket(roomUrl(serverAddress, roomId, token), {
      handshakeTimeout: JOIN_TIMEOUT_MS,
      perMessageDeflate: false,
    });
    ws.binaryType = "nodebuffer";
    ws.on("error", () => {});
    const player = new SyncPlayer(ws, o, mode.fullState, mode.float32, window);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new OpError("welcome timeout", `no welcome within ${JOIN_TIMEOUT_MS} ms`)),
        JOIN_TIMEOUT_MS,
      );
      const fail = (e: Error) => {
        clearTimeout(timer);
        ws.terminate();
        reject(e);
      };
      player.welcomed = () => {
        clearTimeout(timer);
        ws.off("close", closed);
        resolve(player);
      };
      const closed = (code: number, reason: Buffer) =>
        fail(new OpError(`closed before welcome ${code}`, reason.toString() || `close code ${code}`));
      ws.once("close", closed);
      ws.once("unexpected-response", (_req, res) => {
        res.resume();
        fail(new OpError(`upgrade refused ${res.statusCode}`, `game server answered ${res.statusCode}`));
      });
    });
  }

  /** Asks the room for its tick times [from, to] (see e2e-rooms.ts). */
  stamps(from: number, to: number): Promise<StampsReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no tick times within ${STAMPS_TIMEOUT_MS} ms`)),
        STAMPS_TIMEOUT_MS,
      );
      this.onStamps = (r) => {
        clearTimeout(timer);
        this.onStamps = undefined;
        resolve(r);
      };
      const input = encodeValue({ stamps: [from, to] });
      this.ws.send(toBinary(ClientFrameSchema, create(ClientFrameSchema, { frame: { case: "input", value: input } })));
    });
  }

  close() {
    this.ws.terminate();
  }

  private received(data: Buffer) {
    try {
      const frame = fromBinary(ServerFrameSchema, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).frame;
      if (frame.case === "welcome") return this.welcomed?.();
      if (frame.case === "error") return void this.errors.push(frame.value.message);
      if (frame.case !== "sync") return;
      const followed = this.follower.apply(frame.value);
      if (followed.kind === "stamps") return this.onStamps?.(followed.reply);
      if (followed.kind !== "state") return;
      const at = monotonicMs();
      // A joining player's full frame is what joining costs, not sync: never counted.
      if (followed.joined || at < this.window.from || at >= this.window.to) return;
      this.frames++;
      this.wireBytes += data.byteLength;
      this.syncBytes += frame.value.byteLength;
      if (followed.tick === undefined) return;
      this.ticks.push(followed.tick);
      this.receivedAt.push(at);
    } catch (e) {
      if (this.errors.length < 5) this.errors.push((e as Error).message);
    }
  }

  get mismatches(): number {
    return this.follower.mismatches;
  }
}
