import { fromBinary } from "@bufbuild/protobuf";
import type { Browser, Page } from "playwright-core";
import { RoomSnapshotSchema } from "../gen/roomgate/v1/room_pb";
import { startCluster } from "../test/harness/cluster";
import { decodePosition } from "./src/position-codec";
import { dotPosition, inRoom, launchBrowser, Pages, screenshot, walk, WEB_DIST } from "./browser-harness";

// The demo when its game server dies: separate processes on Redis (a Manager, a Gateway that
// serves the pages, two game servers), two pages in one room, and the room's server SIGKILLed.
// The room moves to the other server from its last snapshot and both pages play on in it.

let env: Awaited<ReturnType<typeof startCluster>>;
let browser: Browser;
const pages = new Pages(() => browser);

beforeAll(async () => {
  const [cluster, b] = await Promise.allSettled([
    startCluster("web-failover", {
      gateways: 1,
      gameServers: 2,
      gatewayEnv: { GATEWAY_WEB_DIR: WEB_DIST },
      gameServerEnv: { REPORT_INTERVAL_MS: "300", SNAPSHOT_INTERVAL_MS: "200" },
    }),
    launchBrowser(),
  ]);
  if (cluster.status === "fulfilled") env = cluster.value;
  if (b.status === "fulfilled") browser = b.value;
  if (cluster.status === "rejected") throw cluster.reason;
  if (b.status === "rejected") throw b.reason;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await env?.stop();
}, 30_000);

/** Walks the page's own dot about 150 units sideways and returns where it stopped. */
async function walkSideways(page: Page, selfId: string) {
  await walk(page, selfId, "x", ["ArrowRight", "ArrowLeft"]);
  return dotPosition(page, selfId);
}

/** Resolves once the room's snapshot in the store holds this position under this key. */
async function snapshotHas(roomId: string, key: string, at: { x: number; y: number }) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const bytes = await env.store.getSnapshot(roomId);
    const entry = bytes && fromBinary(RoomSnapshotSchema, bytes).state.find((e) => e.key === key);
    const pos = entry && decodePosition(entry.value);
    if (pos && pos.x === at.x && pos.y === at.y) return;
    if (Date.now() > deadline) throw new Error(`no snapshot of ${roomId} with ${key} at ${JSON.stringify(at)}`);
    await new Promise((r) => setTimeout(r, 50)); // polling the store: there is no event to await
  }
}

/** Resolves once `page` shows the player's dot exactly at `at`. */
async function seesAt(page: Page, playerId: string, at: { x: number; y: number }) {
  await page.waitForFunction(
    ([id, x, y]) => {
      const dot = document.querySelector(`[data-testid="dot"][data-player-id="${id}"]`);
      return !!dot && Number(dot.getAttribute("data-x")) === x && Number(dot.getAttribute("data-y")) === y;
    },
    [playerId, at.x, at.y] as const,
    { timeout: 10_000 },
  );
}

test("a page whose game server is killed reconnects to the room on another server and keeps playing", async () => {
  const url = env.cluster.gatewayUrl(0);
  const a = await pages.open();
  await a.goto(url);
  await a.getByTestId("create-room").click();
  const ra = await inRoom(a);
  const b = await pages.open();
  await b.goto(ra.shareLink);
  const rb = await inRoom(b);
  const stopped = await walkSideways(a, ra.selfId);
  await seesAt(b, ra.selfId, stopped);

  // Once the store's snapshot of the room has A where A stopped, kill the room's server outright.
  await snapshotHas(ra.roomId, `pos/${ra.selfId}`, stopped);
  const victim = env.cluster.gameServer(ra.serverId);
  await victim.proc.kill("SIGKILL");
  await a.locator('[data-testid="state"][data-state="reconnecting"]').waitFor({ timeout: 5000 });

  // Both pages come back by themselves, as the same players, in the same room, on the survivor.
  const moved = await env.cluster.manager.proc.waitFor(
    (l) => l.msg === "room moved" && l.roomId === ra.roomId,
    10_000,
    "room moved",
  );
  const [ba, bb] = [await inRoom(a), await inRoom(b)];
  for (const back of [ba, bb]) expect(back).toMatchObject({ roomId: ra.roomId, serverId: moved.serverId });
  expect(ba.selfId).toBe(ra.selfId);
  expect(bb.selfId).toBe(rb.selfId);
  expect(moved.serverId).not.toBe(ra.serverId);
  // The restored room still has A where A stopped...
  await seesAt(b, ra.selfId, stopped);
  // ...and the game goes on: B moves now, and A sees it.
  const bMoved = await walkSideways(b, rb.selfId);
  await seesAt(a, rb.selfId, bMoved);
  await screenshot(a, "demo-after-failover.png");
  expect(pages.errors()).toEqual([]);
}, 90_000);
