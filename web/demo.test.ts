import {
  dotPosition,
  inRoom,
  Pages,
  PHONE,
  screenshot,
  meshAndBrowserForFile,
  waitForDot,
  walk,
} from "./browser-harness";

// The demo in a real browser: two players meet through a share link and see each other move.

const env = meshAndBrowserForFile();
const pages = new Pages(() => env.browser);

test("two players meet through the share link and see each other's dots move", async () => {
  const a = await pages.open();
  await a.goto(env.mesh.url);
  await a.getByTestId("name-input").fill("Ann");
  await a.getByTestId("create-room").click();
  const ra = await inRoom(a);
  expect(new URL(a.url()).searchParams.get("room")).toBe(ra.roomId);
  expect(ra.shareLink).toBe(`${env.mesh.url}/?room=${ra.roomId}`);
  expect(await a.getByTestId("region").textContent()).toBe("local");

  const b = await pages.open();
  await b.goto(ra.shareLink);
  const rb = await inRoom(b);
  expect(rb.roomId).toBe(ra.roomId);
  expect(rb.serverId).toBe(ra.serverId);

  // Each sees the other's dot, named, and both in the player list.
  await a.locator(`[data-testid="dot"][data-player-id="${rb.selfId}"]`).waitFor();
  await b.locator(`[data-testid="dot"][data-player-id="${ra.selfId}"]`).waitFor();
  expect(await b.locator(`[data-testid="dot"][data-player-id="${ra.selfId}"]`).textContent()).toBe("Ann");
  await expectPlayers(a, [ra.selfId, rb.selfId]);
  await expectPlayers(b, [ra.selfId, rb.selfId]);

  // Both pages agree on where each dot is before anyone moves.
  await waitForSamePosition(a, b, ra.selfId);
  await waitForSamePosition(a, b, rb.selfId);

  // A walks right with the arrow key; B sees it.
  const aWalked = await walk(a, ra.selfId, "x", ["ArrowRight", "ArrowLeft"]);
  await waitForDot(b, ra.selfId, "x", aWalked.test, aWalked.mark);
  await waitForSamePosition(a, b, ra.selfId);

  // B walks down with WASD; A sees it.
  const bWalked = await walk(b, rb.selfId, "y", ["KeyS", "KeyW"]);
  await waitForDot(a, rb.selfId, "y", bWalked.test, bWalked.mark);
  await waitForSamePosition(a, b, rb.selfId);

  // A clicks near the top-left corner; its dot walks there and B sees it arrive.
  const box = (await a.getByTestId("arena").boundingBox())!;
  await a.mouse.click(box.x + box.width * 0.1, box.y + box.height * 0.1);
  await waitForDot(b, ra.selfId, "x", "below", 110, 8000);
  await waitForDot(b, ra.selfId, "y", "below", 110, 8000);
  await waitForSamePosition(a, b, ra.selfId);

  // The pages show a measured round trip once a ping came back.
  for (const p of [a, b])
    await p.waitForFunction(
      () => (document.querySelector<HTMLElement>('[data-testid="rtt"]')?.dataset.ms ?? "") !== "",
      undefined,
      { timeout: 5000 },
    );
  expect(await a.getByTestId("rtt").textContent()).toMatch(/^\d+(\.\d)? ms$/);

  // Let the glide settle so the picture shows both dots where they are.
  await b.waitForTimeout(400);
  console.log(`screenshot: ${await screenshot(a, "demo-two-players.png")}`);
  await screenshot(b, "demo-two-players-b.png");
  expect(pages.errors()).toEqual([]);
}, 60_000);

test("a phone-width page joins by link, taps to move, and fits the screen", async () => {
  const a = await pages.open();
  await a.goto(env.mesh.url);
  await a.getByTestId("create-room").click();
  const ra = await inRoom(a);

  const phone = await pages.open(PHONE);
  await phone.goto(ra.shareLink);
  const rp = await inRoom(phone);
  expect(rp.roomId).toBe(ra.roomId);
  await a.locator(`[data-testid="dot"][data-player-id="${rp.selfId}"]`).waitFor();

  // Nothing sticks out sideways: no horizontal scrolling on a phone.
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.viewport.width);

  const box = (await phone.getByTestId("arena").boundingBox())!;
  expect(box.width).toBeGreaterThan(PHONE.viewport.width * 0.8);
  await phone.getByTestId("arena").tap({ position: { x: box.width * 0.9, y: box.height * 0.9 } });
  await waitForDot(a, rp.selfId, "x", "above", 850, 8000);
  await waitForDot(a, rp.selfId, "y", "above", 850, 8000);

  await phone.waitForTimeout(300);
  console.log(`screenshot: ${await screenshot(phone, "demo-phone.png")}`);
  expect(pages.errors()).toEqual([]);
}, 60_000);

test("positions live in the room's state: a newcomer sees every dot where it stands, and a page that reconnects keeps its id and its dot", async () => {
  const a = await pages.open();
  // Lets the test cut this page's room connection as a network would (without the page's help).
  await a.addInitScript(() => {
    const Native = window.WebSocket;
    const open: WebSocket[] = [];
    (window as unknown as { __cutSockets: () => number }).__cutSockets = () => {
      const n = open.length;
      for (const ws of open.splice(0)) ws.close(4999, "cut by the test");
      return n;
    };
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        open.push(this);
      }
    } as typeof WebSocket;
  });
  await a.goto(env.mesh.url);
  await a.getByTestId("create-room").click();
  const ra = await inRoom(a);
  // A walks away from its spawn point and stops there.
  await walk(a, ra.selfId, "x", ["ArrowRight", "ArrowLeft"]);
  const stopped = await dotPosition(a, ra.selfId);

  // B arrives afterwards: A sends nothing more, yet B's first picture has A where A is.
  const b = await pages.open();
  await b.goto(ra.shareLink);
  const rb = await inRoom(b);
  await b.locator(`[data-testid="dot"][data-player-id="${ra.selfId}"]`).waitFor();
  expect(await waitForSamePosition(a, b, ra.selfId)).toEqual(stopped);
  await waitForSamePosition(a, b, rb.selfId);

  // A's connection is cut: the page reconnects through the Gateway as the same player, and both
  // pages show both dots where they were.
  await a.locator('[data-testid="state"][data-state="open"]').waitFor();
  expect(await a.evaluate(() => (window as unknown as { __cutSockets: () => number }).__cutSockets())).toBe(1);
  await a.locator('[data-testid="state"][data-state="reconnecting"]').waitFor({ timeout: 5000 });
  const back = await inRoom(a);
  expect(back.selfId).toBe(ra.selfId);
  await b.locator(`[data-testid="dot"][data-player-id="${ra.selfId}"]`).waitFor();
  await a.locator(`[data-testid="dot"][data-player-id="${rb.selfId}"]`).waitFor();
  expect(await waitForSamePosition(a, b, ra.selfId)).toEqual(stopped);
  await waitForSamePosition(a, b, rb.selfId);
  await expectPlayers(a, [ra.selfId, rb.selfId]);
  await expectPlayers(b, [ra.selfId, rb.selfId]);
  expect(pages.errors()).toEqual([]);
}, 60_000);

test("a link to a room that is gone says so and offers a new room", async () => {
  const page = await pages.open();
  await page.goto(`${env.mesh.url}/?room=AAAAAAAAAAAAAAAAAAAAAA`);
  const status = page.getByTestId("lobby-status");
  await status.filter({ hasText: "does not exist" }).waitFor({ timeout: 10_000 });
  expect(await page.getByTestId("create-room").isEnabled()).toBe(true);
  expect(new URL(page.url()).searchParams.get("room")).toBeNull();
});

async function expectPlayers(page: import("playwright-core").Page, ids: string[]) {
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="player"]').length === n, ids.length, {
    timeout: 5000,
  });
  const shown = await page
    .locator('[data-testid="player"]')
    .evaluateAll((els) => els.map((e) => e.getAttribute("data-player-id")));
  expect([...shown].sort()).toEqual([...ids].sort());
}

/** Waits until both pages hold the same latest position for a player (it stopped and the last update arrived). */
async function waitForSamePosition(
  a: import("playwright-core").Page,
  b: import("playwright-core").Page,
  playerId: string,
) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const [pa, pb] = [await dotPosition(a, playerId), await dotPosition(b, playerId)];
    if (pa.x === pb.x && pa.y === pb.y) return pa;
    if (Date.now() > deadline)
      throw new Error(`pages disagree on ${playerId}: ${JSON.stringify(pa)} vs ${JSON.stringify(pb)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
