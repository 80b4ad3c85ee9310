import { RoomgateClient, type Room } from "@roomgate/client";
import { EXAMPLE_ROOMS, untilView } from "../testkit/logic-rooms";
import type { dots } from "../examples/dots";
import { toView } from "./src/dots-room";
import { dotPosition, inRoom, meshAndBrowserForFile, Pages, screenshot, waitForDot, walk } from "./browser-harness";

// The demo on a cluster that runs the examples' room module: the arena is authoritative. Pages
// send directions and draw what the room sends; a modified client that sends positions or
// speeds of its own cannot teleport, as a real page shows.

const env = meshAndBrowserForFile({ GAMESERVER_ROOMS: EXAMPLE_ROOMS });
const pages = new Pages(() => env.browser);

test("the demo plays in a dots room: keys move the dot through the server, and a cheating client cannot teleport", async () => {
  const a = await pages.open();
  await a.goto(env.mesh.url);
  await a.getByTestId("name-input").fill("Ann");
  await a.getByTestId("create-room").click();
  const ra = await inRoom(a);
  // The room's own position for Ann's dot arrives with its first tick.
  const centre = toView({ x: 500, y: 500 });
  await waitForDot(a, ra.selfId, "x", "above", centre.x - 1);
  await waitForDot(a, ra.selfId, "x", "below", centre.x + 1);

  // A key walks the dot: the page only sent a direction, and the room moved it.
  await walk(a, ra.selfId, "x", ["ArrowRight", "ArrowLeft"]);

  // A modified client joins and sends positions and speeds of its own choosing.
  const cheater: Room<typeof dots> = await new RoomgateClient(env.mesh.url).joinRoom<typeof dots>(ra.roomId, {
    playerName: "cheat",
  });
  const own = await untilView(cheater, (v) => v.dots[cheater.playerId] !== undefined);
  const start = toView(own.dots[cheater.playerId]!);
  await a.locator(`[data-testid="dot"][data-player-id="${cheater.playerId}"]`).waitFor();
  // The page draws the dot where the room has it, never at a guess first (a guess once looked
  // like a 150-unit walk in 6 ms).
  const drawn = await dotPosition(a, cheater.playerId);
  expect(Math.abs(drawn.x - start.x)).toBeLessThan(2);
  expect(Math.abs(drawn.y - start.y)).toBeLessThan(2);
  const raw = cheater as unknown as Room<unknown>;
  // No move can start before the inputs leave, so the time from here bounds the walk from below
  // (taken after the ping instead, a slow ping let the dot walk before the clock started).
  const t0 = Date.now();
  raw.input({ x: 5, y: 5 });
  raw.input({ dx: 60, dy: 60 });
  raw.input({ dx: 1, dy: 0, x: 990, speed: 1e6 });
  await cheater.ping();
  // The only legal input above (dx 1) walks it right at the arena's speed, no faster: 200 units
  // take at least half a second, and it never jumps towards 5,5 or 990.
  await waitForDot(a, cheater.playerId, "x", "above", start.x + 150, 5000);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  const seen = await dotPosition(a, cheater.playerId);
  expect(Math.abs(seen.y - start.y)).toBeLessThan(2);
  expect(seen.x).toBeLessThan(toView({ x: 990, y: 0 }).x - 100);

  // A click is walked to the same way: directions until the room's dot is there, then a stop.
  const box = (await a.getByTestId("arena").boundingBox())!;
  await a.mouse.click(box.x + box.width * 0.15, box.y + box.height * 0.15);
  await waitForDot(a, ra.selfId, "x", "below", 200, 8000);
  await waitForDot(a, ra.selfId, "y", "below", 200, 8000);
  await a.locator(".target-marker[hidden]").waitFor({ state: "attached", timeout: 5000 });
  const stopped = await dotPosition(a, ra.selfId);
  expect(stopped.x).toBeGreaterThan(100);
  expect(stopped.y).toBeGreaterThan(100);

  console.log(`screenshot: ${await screenshot(a, "demo-dots.png")}`);
  await cheater.leave();
  expect(pages.errors()).toEqual([]);
}, 60_000);
