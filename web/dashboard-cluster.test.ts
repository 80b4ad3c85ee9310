import type { Browser, Page } from "playwright-core";
import { type Room, RoomgateClient } from "@roomgate/client";
import { startCluster, startRegisteredGameServer } from "../test/harness/cluster";
import { TEST_ADMIN_TOKEN } from "../testkit/client";
import { EXAMPLE_ROOMS } from "../testkit/logic-rooms";
import { launchBrowser, Pages, screenshot, WEB_DIST } from "./browser-harness";

// The dashboard over separate processes on Redis, showing what the cluster had but the page did
// not: regions and zones, labels and room types, a public room with its mode, quick-join and
// listing activity, each logic room's CPU, the events from before the page opened (the Redis
// store's history), and a migration in flight. Only one server runs the "dots" type, so when it
// is killed its room waits, MOVING, until another such server starts.

let env: Awaited<ReturnType<typeof startCluster>>;
let browser: Browser;
const pages = new Pages(() => browser);
const rooms: Room<unknown>[] = [];

beforeAll(async () => {
  const [cluster, b] = await Promise.allSettled([
    startCluster("web-dash", {
      gateways: 1,
      gameServers: 0,
      gatewayEnv: { GATEWAY_WEB_DIR: WEB_DIST, GATEWAY_REGION: "eu" },
      gameServerEnv: { REPORT_INTERVAL_MS: "300", SNAPSHOT_INTERVAL_MS: "200" },
      // The room must still be waiting when the test looks, however slow the machine.
      managerEnv: { MIGRATION_TIMEOUT_MS: "120000" },
    }),
    launchBrowser(),
  ]);
  if (cluster.status === "fulfilled") env = cluster.value;
  if (b.status === "fulfilled") browser = b.value;
  if (cluster.status === "rejected") throw cluster.reason;
  if (b.status === "rejected") throw b.reason;
  await Promise.all([
    startRegisteredGameServer(env.cluster, "gs-eu-a", {
      GAMESERVER_ROOMS: EXAMPLE_ROOMS,
      GAMESERVER_REGION: "eu",
      GAMESERVER_ZONE: "eu-a",
      GAMESERVER_LABELS: "map=arena",
    }),
    startRegisteredGameServer(env.cluster, "gs-us-b", { GAMESERVER_REGION: "us", GAMESERVER_ZONE: "us-b" }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(rooms.map((r) => r.leave()));
  await browser?.close();
  await env?.stop();
}, 30_000);

async function openDashboard(): Promise<Page> {
  const dash = await pages.open();
  await dash.goto(`${env.cluster.gatewayUrl(0)}/dashboard#token=${encodeURIComponent(TEST_ADMIN_TOKEN)}`);
  await dash.locator('[data-testid="stream-state"][data-state="live"]').waitFor({ timeout: 10_000 });
  return dash;
}

const roomRow = (page: Page, roomId: string) => page.locator(`[data-testid="room-row"][data-room-id="${roomId}"]`);
const text = async (page: Page, testId: string) => (await page.getByTestId(testId).textContent())?.trim();

test("a page opened after a public dots room was quick-joined shows its regions, labels, type, mode, CPU, activity and events", async () => {
  // Everything happens before the page opens.
  const sdk = new RoomgateClient(env.cluster.gatewayUrl(0));
  const quinn = await sdk.joinOrCreate({ mode: "ffa", roomType: "dots", maxPlayers: 4, playerName: "Quinn" });
  rooms.push(quinn);
  const rita = await sdk.joinOrCreate({ mode: "ffa", roomType: "dots", maxPlayers: 4, playerName: "Rita" });
  rooms.push(rita);
  expect(rita.roomId).toBe(quinn.roomId);
  expect(quinn.serverId).toBe("gs-eu-a");
  expect((await sdk.listRooms({ mode: "ffa" })).rooms.map((r) => r.roomId)).toEqual([quinn.roomId]);

  const dash = await openDashboard();
  const row = roomRow(dash, quinn.roomId);

  // Recent events: the allocation, from the store's history, with the (public) room's id.
  await dash
    .locator(`[data-testid="event"][data-kind="room-allocated"][data-room-id="${quinn.roomId}"]`)
    .waitFor({ timeout: 5000 });
  expect(await dash.getByTestId("events-empty").isHidden()).toBe(true);
  expect(
    await dash.locator('[data-testid="event"][data-kind="server-registered"][data-server-id="gs-eu-a"]').count(),
  ).toBe(1);

  // Regions and their zones, from the servers' registrations.
  const eu = dash.locator('[data-testid="region-row"][data-region="eu"]');
  const us = dash.locator('[data-testid="region-row"][data-region="us"]');
  await eu.waitFor();
  expect(
    await eu.locator('[data-testid="zone"]').evaluateAll((z) => z.map((e) => e.getAttribute("data-zone"))),
  ).toEqual(["eu-a"]);
  expect(await us.locator('[data-testid="zone"][data-zone="us-b"]').count()).toBe(1);
  expect(await eu.getByTestId("region-rooms").textContent()).toMatch(/^1 \//);
  expect(await text(dash, "region-count")).toBe("2");

  // Servers: region and zone, the room types each runs, its labels.
  const gsEu = dash.locator('[data-testid="server-row"][data-server-id="gs-eu-a"]');
  expect(await gsEu.getByTestId("server-region").textContent()).toBe("eu · eu-a");
  expect(await gsEu.getByTestId("server-type").allTextContents()).toEqual(expect.arrayContaining(["relay", "dots"]));
  expect(await gsEu.locator('[data-testid="server-label"][data-label="map"]').textContent()).toBe("map=arena");
  const gsUs = dash.locator('[data-testid="server-row"][data-server-id="gs-us-b"]');
  expect(await gsUs.getByTestId("server-type").allTextContents()).toEqual(["relay"]);
  expect(await gsUs.getByTestId("server-label").count()).toBe(0);

  // The room: its type, public with its mode, both players, and the CPU its logic uses.
  expect(await row.getByTestId("room-type").textContent()).toBe("dots");
  expect(await row.getByTestId("room-public").textContent()).toBe("public · ffa");
  await row
    .getByTestId("room-players")
    .filter({ hasText: /^2 \/ 4$/ })
    .waitFor({ timeout: 5000 });
  await dash.waitForFunction(
    (id) => {
      const cell = document.querySelector(`[data-testid="room-row"][data-room-id="${id}"] [data-testid="room-cpu"]`);
      return Number(cell?.getAttribute("data-cpu-seconds")) > 0;
    },
    quinn.roomId,
    { timeout: 10_000 },
  );
  expect(await row.getByTestId("room-cpu").textContent()).toMatch(/^\d+(\.\d)? % · [\d.]+ (ms|s)$/);
  expect(await text(dash, "total-public")).toBe("1");
  expect(await text(dash, "total-public-sub")).toBe("ffa 1");
  expect(await text(dash, "total-moving")).toBe("0");

  // What players asked of this Gateway over the last minute.
  expect(await text(dash, "activity-created")).toBe("1");
  expect(await text(dash, "activity-joined")).toBe("1");
  expect(await text(dash, "activity-failed")).toBe("0");
  expect(await text(dash, "activity-listings")).toBe("1");
  expect(await text(dash, "activity-sub")).toContain("(eu)");

  console.log(`screenshot: ${await screenshot(dash, "dashboard-cluster.png")}`);
  await dash.setViewportSize({ width: 1280, height: 1500 });
  console.log(`screenshot: ${await screenshot(dash, "dashboard-cluster-full.png")}`);
  expect(pages.errors()).toEqual([]);
}, 60_000);

test("a room whose server died waits as a migration in flight, then moves when a server of its type starts", async () => {
  const dash = await openDashboard();
  // Tall enough for the screenshots to reach the rooms table.
  await dash.setViewportSize({ width: 1280, height: 1300 });
  const [room] = rooms;
  const roomId = room!.roomId;
  await roomRow(dash, roomId).waitFor({ timeout: 5000 });

  // Nobody else runs "dots": once the Manager declares gs-eu-a dead, the room has nowhere to go.
  await env.cluster.gameServer("gs-eu-a").proc.kill("SIGKILL");
  const moving = dash.locator(`[data-testid="room-row"][data-room-id="${roomId}"][data-state="moving"]`);
  await moving.waitFor({ timeout: 15_000 });
  expect(await moving.getByTestId("room-server").textContent()).toBe("waiting for a server");
  expect(await moving.getByTestId("room-cpu").textContent()).toBe("–");
  await dash.getByTestId("total-moving").filter({ hasText: /^1$/ }).waitFor({ timeout: 5000 });
  await dash
    .locator('[data-testid="event"][data-kind="server-removed"][data-server-id="gs-eu-a"]')
    .waitFor({ timeout: 5000 });
  console.log(`screenshot: ${await screenshot(dash, "dashboard-migration-in-flight.png")}`);

  // A server that runs the type comes: the room moves there, and the count goes back to 0.
  await startRegisteredGameServer(env.cluster, "gs-eu-c", {
    GAMESERVER_ROOMS: EXAMPLE_ROOMS,
    GAMESERVER_REGION: "eu",
    GAMESERVER_ZONE: "eu-c",
  });
  const moved = dash.locator(
    `[data-testid="room-row"][data-room-id="${roomId}"][data-server-id="gs-eu-c"][data-state="open"]`,
  );
  await moved.waitFor({ timeout: 15_000 });
  expect(await moved.getByTestId("room-migrations").textContent()).toBe(" moved 1×");
  await dash.getByTestId("total-moving").filter({ hasText: /^0$/ }).waitFor({ timeout: 5000 });
  await dash
    .locator(`[data-testid="event"][data-kind="room-migrated"][data-room-id="${roomId}"]`)
    .waitFor({ timeout: 5000 });
  expect(
    await dash
      .locator('[data-testid="region-row"][data-region="eu"] [data-testid="zone"]')
      .evaluateAll((z) => z.map((e) => e.getAttribute("data-zone"))),
  ).toEqual(["eu-c"]);
  console.log(`screenshot: ${await screenshot(dash, "dashboard-after-migration.png")}`);
  expect(pages.errors()).toEqual([]);
}, 60_000);
