import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import type * as Sdk from "@roomgate/client";
import type { Page } from "playwright-core";
import { meshAndBrowserForFile, Pages } from "./browser-harness";

// The SDK's browser build in Chromium against a whole mesh: the bundle a game's Vite build makes of
// it (scripts/client-bundle.mjs: the "browser" condition, from the sources), loaded into a page
// of the Gateway's origin. Its fetch client (Connect and gRPC-Web), its frame codecs and its
// errors, as a game sees them: room.* and client.* calls in the page, nothing stubbed.

/** What the pages keep on globalThis (each function given to page.evaluate runs in the page, so it casts for itself). */
interface InPage {
  roomgateSdk: typeof Sdk;
  room: Sdk.Room;
  log: string[];
}

const env = meshAndBrowserForFile();
const pages = new Pages(() => env.browser);
let sdkCode = "";

beforeAll(async () => {
  const root = resolve(__dirname, "..");
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["scripts/client-bundle.mjs", "--sources", "--expose"],
    { cwd: root, maxBuffer: 16 * 1024 * 1024 },
  );
  sdkCode = (JSON.parse(stdout) as { code: string }).code;
}, 60_000);

/** A page of the Gateway's origin with the SDK on globalThis.roomgateSdk, as a game's bundle would have it. */
async function sdkPage(): Promise<Page> {
  const page = await pages.open();
  // A document the Gateway served itself (its tiny GET /ping): Chromium's local network access
  // checks let only a page that came from a loopback address open the game server's loopback
  // WebSocket, so a page fulfilled by the test would be refused.
  await page.goto(`${env.mesh.url}/ping`);
  await page.addScriptTag({ content: sdkCode, type: "module" });
  await page.waitForFunction(() => "roomgateSdk" in globalThis);
  return page;
}

test("two pages meet in a room over Connect and gRPC-Web: welcome, join, messages, state, ping, errors", async () => {
  const [a, b] = [await sdkPage(), await sdkPage()];
  const roomId = await a.evaluate(async () => {
    const { RoomgateClient } = (globalThis as unknown as InPage).roomgateSdk;
    const g = globalThis as unknown as InPage;
    g.log = [];
    g.room = await new RoomgateClient(location.origin).createRoom({ playerName: "ann", maxPlayers: 3 });
    g.room.on("playerJoined", (p) => g.log.push(`joined ${p.name}`));
    g.room.on("message", (m) => g.log.push(`message ${new TextDecoder().decode(m.payload)}`));
    g.room.on("state", (key, value) => g.log.push(`state ${key}=${value ? new TextDecoder().decode(value) : "-"}`));
    g.room.on("error", (e) => g.log.push(`error ${e.name} ${(e as Sdk.RoomServerError).code}`));
    return g.room.roomId;
  });

  const bob = await b.evaluate(async (roomId) => {
    const { RoomgateClient } = (globalThis as unknown as InPage).roomgateSdk;
    const g = globalThis as unknown as InPage;
    g.log = [];
    g.room = await new RoomgateClient(location.origin, { protocol: "grpc-web" }).joinRoom(roomId, {
      playerName: "bob",
    });
    g.room.on("message", (m) => g.log.push(`message ${new TextDecoder().decode(m.payload)}`));
    return { id: g.room.playerId, players: g.room.players.map((p) => p.name).sort() };
  }, roomId);
  expect(bob.players).toEqual(["ann", "bob"]);
  await a.waitForFunction(() => (globalThis as unknown as InPage).log.includes("joined bob"));

  // Relay frames both ways, shared state, a ping, and the server's error frame for an unknown player.
  await b.evaluate(() => {
    const g = globalThis as unknown as InPage;
    g.room.broadcast(new TextEncoder().encode("hi from bob"));
    g.room.setState("color", new TextEncoder().encode("red"));
  });
  // Both reached Ann before she sends (two sockets: no order between them otherwise).
  await a.waitForFunction(() => (globalThis as unknown as InPage).log.includes("state color=red"));
  await a.evaluate((bobId) => {
    const g = globalThis as unknown as InPage;
    g.room.send(bobId, new TextEncoder().encode("hi bob"));
    g.room.send("nobody", new TextEncoder().encode("?"));
  }, bob.id);
  await b.waitForFunction(() => (globalThis as unknown as InPage).log.includes("message hi bob"));
  await a.waitForFunction(() => (globalThis as unknown as InPage).log.length >= 4);
  expect(await a.evaluate(() => (globalThis as unknown as InPage).log)).toEqual([
    "joined bob",
    "message hi from bob",
    "state color=red",
    "error RoomServerError 4", // ErrorCode.UNKNOWN_PLAYER
  ]);
  expect(await a.evaluate(() => (globalThis as unknown as InPage).room.ping())).toBeGreaterThan(0);

  // The Gateway's answers and errors through the fetch client: GetRoom, not_found, invalid_argument with its detail.
  const calls = await a.evaluate(async (roomId) => {
    const { RoomgateClient, GatewayError } = (globalThis as unknown as InPage).roomgateSdk;
    const failed = (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error("the call succeeded");
        },
        (e: unknown) => e as Sdk.GatewayError,
      );
    const out: Record<string, unknown> = {};
    for (const protocol of ["connect", "grpc-web"] as const) {
      const c = new RoomgateClient(location.origin, { protocol });
      const info = await c.getRoom(roomId);
      const gone = await failed(c.joinRoom("A".repeat(22)));
      const bad = await failed(c.createRoom({ measureRegions: false, mode: "no spaces" }));
      out[protocol] = {
        info: [info.roomId === roomId, info.maxPlayers, typeof info.createTime?.seconds],
        gone: [gone instanceof GatewayError, gone.name, gone.code, gone.message.startsWith("[not_found] ")],
        bad: [bad.code, bad.details.map((d: { type: string }) => d.type)],
      };
    }
    return out;
  }, roomId);
  for (const protocol of ["connect", "grpc-web"]) {
    expect(calls[protocol]).toEqual({
      info: [true, 3, "bigint"],
      gone: [true, "ConnectError", 5, true], // Code.NotFound
      bad: [3, ["buf.validate.Violations"]], // Code.InvalidArgument
    });
  }

  await b.evaluate(() => (globalThis as unknown as InPage).room.leave());
  await a.evaluate(() => (globalThis as unknown as InPage).room.leave());
  expect(pages.errors()).toEqual([]);
}, 60_000);
