import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import WebSocket from "ws";
import { ClientFrameSchema, ServerFrameSchema } from "../gen/roomgate/v1/room_pb.js";
import { gatewayClient, roomUrl } from "../testkit/client";
import { startCluster } from "./harness/cluster";

// IDLE_TIMEOUT_S on a real game server (uWebSockets.js): halfway through a silence the server
// pings; a client that neither answers nor sends anything is closed at the timeout, while one that
// sends its own pings, or answers the server's, stays. 8 s is the shortest uWS accepts.

const IDLE_S = 8;
let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("ws-idle", { gameServers: 1, gameServerEnv: { IDLE_TIMEOUT_S: String(IDLE_S) } });
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

/** A raw client; with autoPong false it does not answer the server's protocol pings. */
async function connect(url: string, autoPong: boolean) {
  const ws = new WebSocket(url, { autoPong });
  ws.binaryType = "nodebuffer";
  const closed = new Promise<number>((resolve) => ws.once("close", () => resolve(performance.now())));
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return { ws, closed };
}

test("a silent client is closed at the idle timeout; a pinging one and one that answers pings stay", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const room = await gw.createRoom({ playerName: "silent", maxPlayers: 3 });
  const url = (t: string) => roomUrl(room.serverAddress, room.roomId, t);
  const started = performance.now();
  const silent = await connect(url(room.joinToken), false);
  const pinging = await connect(
    url((await gw.joinRoom({ roomId: room.roomId, playerName: "pinging" })).joinToken),
    false,
  );
  const answering = await connect(
    url((await gw.joinRoom({ roomId: room.roomId, playerName: "answering" })).joinToken),
    true,
  );

  // The pinging client sends an application ping every 2 s and counts the pongs.
  let pongs = 0;
  pinging.ws.on("message", (data: Buffer) => {
    if (fromBinary(ServerFrameSchema, new Uint8Array(data)).frame.case === "pong") pongs++;
  });
  let nonce = 0;
  const pinger = setInterval(() => {
    pinging.ws.send(
      toBinary(ClientFrameSchema, create(ClientFrameSchema, { frame: { case: "ping", value: { nonce: ++nonce } } })),
    );
  }, 2000);
  let serverPings = 0;
  answering.ws.on("ping", () => serverPings++);

  try {
    const silentClosedAt = await silent.closed;
    const silentFor = (silentClosedAt - started) / 1000;
    // uWS counts timeouts in ticks of 4 s, so the close comes within a tick of the timeout.
    expect(silentFor).toBeGreaterThanOrEqual(IDLE_S - 4.5);
    expect(silentFor).toBeLessThanOrEqual(IDLE_S + 4.5);

    // The others are still there, and still served, one full timeout later.
    const afterwards = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (performance.now() - silentClosedAt >= IDLE_S * 1000 && serverPings >= 2) {
          clearInterval(check);
          resolve();
        }
      }, 250);
    });
    await afterwards;
    expect(pinging.ws.readyState).toBe(WebSocket.OPEN);
    expect(answering.ws.readyState).toBe(WebSocket.OPEN);
    expect(pongs).toBeGreaterThanOrEqual(Math.floor((performance.now() - started) / 2000) - 1);
  } finally {
    clearInterval(pinger);
    pinging.ws.close();
    answering.ws.close();
  }
}, 45_000);
