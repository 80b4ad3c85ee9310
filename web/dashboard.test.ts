import type { Page } from "playwright-core";
import { inRoom, Pages, screenshot, startMesh, meshAndBrowserForFile } from "./browser-harness";

// The dashboard in a real browser, fed by the WatchCluster stream: a room made through the demo
// appears with its server, then goes away with a clean-up event once its players are gone.

const env = meshAndBrowserForFile();

const pages = new Pages(() => env.browser);
const roomRow = (page: Page, roomId: string) => page.locator(`[data-testid="room-row"][data-room-id="${roomId}"]`);
const event = (page: Page, kind: string, roomId: string) =>
  page.locator(`[data-testid="event"][data-kind="${kind}"][data-room-id="${roomId}"]`);

test("the dashboard shows a demo room with its server, then its clean-up", async () => {
  const dash = await pages.open();
  await dash.goto(`${env.mesh.url}/dashboard`);
  await dash.locator('[data-testid="stream-state"][data-state="live"]').waitFor({ timeout: 10_000 });
  await dash.locator('[data-testid="server-row"]').nth(1).waitFor();
  expect(await dash.locator('[data-testid="server-row"]').count()).toBe(2);
  expect(await dash.getByTestId("total-servers").textContent()).toBe("2");

  const a = await pages.open();
  await a.goto(env.mesh.url);
  await a.getByTestId("name-input").fill("Ann");
  await a.getByTestId("create-room").click();
  const ra = await inRoom(a);

  // Pushed by the allocation: the room, on the server the demo shows, and an event saying so.
  await roomRow(dash, ra.roomId).waitFor({ timeout: 5000 });
  expect(await roomRow(dash, ra.roomId).getByTestId("room-server").textContent()).toContain(ra.serverId);
  await event(dash, "room-allocated", ra.roomId).waitFor({ timeout: 5000 });
  expect(await event(dash, "room-allocated", ra.roomId).getAttribute("data-server-id")).toBe(ra.serverId);

  const b = await pages.open();
  await b.goto(ra.shareLink);
  const rb = await inRoom(b);
  expect(rb.serverId).toBe(ra.serverId);
  // Player counts come from the servers' own reports, about once a second.
  await roomRow(dash, ra.roomId)
    .getByTestId("room-players")
    .filter({ hasText: /^2 \/ 8$/ })
    .waitFor({ timeout: 5000 });
  await dash.getByTestId("total-players").filter({ hasText: /^2$/ }).waitFor({ timeout: 5000 });
  await dash
    .locator(`[data-testid="server-row"][data-server-id="${ra.serverId}"] [data-testid="server-players"]`)
    .filter({ hasText: /^2$/ })
    .waitFor({ timeout: 5000 });
  expect(await dash.getByTestId("total-rooms").textContent()).toBe("1");

  // A moment for the chart to draw a few points, then the pictures.
  await dash.waitForTimeout(1500);
  console.log(`screenshot: ${await screenshot(dash, "dashboard.png")}`);
  console.log(`screenshot: ${await screenshot(a, "demo-for-dashboard.png")}`);

  // One leaves with the button, the other closes the tab: the room is cleaned up.
  await a.getByTestId("leave-room").click();
  await a.getByTestId("lobby").waitFor();
  expect(new URL(a.url()).searchParams.get("room")).toBeNull();
  await b.close();
  await event(dash, "room-removed", ra.roomId).waitFor({ timeout: 10_000 });
  await roomRow(dash, ra.roomId).waitFor({ state: "detached", timeout: 5000 });
  await dash.getByTestId("total-rooms").filter({ hasText: /^0$/ }).waitFor({ timeout: 5000 });
  expect(await event(dash, "room-removed", ra.roomId).getAttribute("data-server-id")).toBe(ra.serverId);

  // Newest first: the clean-up is listed above the allocation.
  const kinds = await dash
    .locator(`[data-testid="event"][data-room-id="${ra.roomId}"]`)
    .evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")));
  expect(kinds).toEqual(["room-removed", "room-allocated"]);

  console.log(`screenshot: ${await screenshot(dash, "dashboard-after-cleanup.png")}`);
  expect(pages.errors()).toEqual([]);
}, 60_000);

test("the dashboard shows a broken stream and reconnects when the Gateway is back", async () => {
  const dash = await pages.open();
  await dash.goto(`${env.mesh.url}/dashboard`);
  const state = dash.getByTestId("stream-state");
  await dash.locator('[data-testid="stream-state"][data-state="live"]').waitFor({ timeout: 10_000 });

  // The whole mesh goes away (its Gateway with it) and comes back on the same port.
  const port = env.mesh.port;
  await env.mesh.stop();
  await dash.locator('[data-testid="stream-state"][data-state="reconnecting"]').waitFor({ timeout: 10_000 });
  expect(await state.textContent()).toMatch(/^reconnecting in \d+\.\d s$/);
  // The last snapshot stays on screen, marked as possibly out of date.
  expect(await dash.evaluate(() => document.body.hasAttribute("data-stale"))).toBe(true);
  console.log(`screenshot: ${await screenshot(dash, "dashboard-reconnecting.png")}`);

  env.mesh = await startMesh(port);
  await dash.locator('[data-testid="stream-state"][data-state="live"]').waitFor({ timeout: 20_000 });
  await dash.locator('[data-testid="event"][data-kind="note"]').filter({ hasText: "reconnected" }).waitFor();
  await dash.locator('[data-testid="server-row"]').nth(1).waitFor();
  expect(await dash.evaluate(() => document.body.hasAttribute("data-stale"))).toBe(false);
  // The page itself never reloaded: its errors are the stream's, handled, not uncaught.
  expect(pages.errors()).toEqual([]);
}, 60_000);
