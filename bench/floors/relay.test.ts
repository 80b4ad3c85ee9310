import { Writable } from "node:stream";
import { Progress } from "../lib/progress.js";
import { runRelayFloor } from "./relay.js";

// One tiny relay floor run against the built floor server: every frame reaches the room's other
// players, the deliveries are counted, and the CPU figures are there. No time or rate is asserted.

const quiet = new Progress(new Writable({ write: (_c, _e, cb) => cb() }) as unknown as NodeJS.WriteStream, false);

test("the relay floor delivers every frame to the room's other players and measures its CPU", async () => {
  const r = await runRelayFloor({ rooms: 10, players: 4, rate: 50, seconds: 2 }, quiet, new AbortController().signal);
  // Frames in flight at either edge of the window can fall on either side of the count.
  expect(r.deliveredShare).toBeGreaterThan(0.9);
  expect(r.deliveredShare).toBeLessThan(1.1);
  expect(Number.isFinite(r.usPerDelivery) && r.usPerDelivery > 0).toBe(true);
  expect(r.sysUsPerDelivery).toBeLessThanOrEqual(r.usPerDelivery);
  expect(r.bytesOut).toBeGreaterThan(r.bytesIn);
}, 30_000);
