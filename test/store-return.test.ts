import { type LateManager, startLateManager } from "../testkit/late-manager";
import type { Proc } from "../testkit/cluster";

// Issue 11: after a Redis restart the Managers reconnect one after another (each on its own
// backoff). The first one back must not declare dead the game servers whose streams another
// Manager holds, merely because that Manager could not record their reports yet. Manager B here
// reaches Redis through a proxy the test keeps shut for a while after Redis is back.

const PREFIX = "return:";
const REPORT_MS = 500;
/** Manager A's reconnect backoff cap, the allowance it gives the other Managers to come back. */
const A_RECONNECT_MAX_MS = 3000;
/** B stays away this long after A is back: past a server's deadline (3 reports), within the allowance. */
const B_AWAY_MS = 2000;

let late: LateManager | undefined;

afterAll(async () => {
  await late?.stop();
}, 30_000);

const line = (msg: string) => (l: { msg: string }) => l.msg === msg;

test("a Manager back on the store first does not bury the servers of one still reconnecting", async () => {
  late = await startLateManager({
    prefix: PREFIX,
    aEnv: { REDIS_RECONNECT_MAX_MS: String(A_RECONNECT_MAX_MS) },
    reportMs: REPORT_MS,
  });
  const { a, redis, store } = late;
  const before = await store.getServer("gs-b");
  expect(before?.managerId).toBe("b");

  // B loses Redis and stays away; Redis itself goes down and comes back; A notices both.
  await late.outage();
  await redis.restart();
  await a.proc.waitFor(line("room store is back; deadlines start again"), 10_000, "A back on the store");
  await new Promise((r) => setTimeout(r, B_AWAY_MS)); // B's late reconnect itself, not a wait for an event
  const bBackAt = Date.now();
  late.letBBack();

  // Once a report of the server is recorded again, it is safe: each one pushes its deadline on.
  await waitFor("a report of gs-b recorded after B came back", async () =>
    (await reportAt("gs-b")) > bBackAt ? true : undefined,
  );
  expect(gone(a.proc)).toEqual([]);
  expect((await store.getServer("gs-b"))?.epoch).toBe(before!.epoch);
}, 60_000);

/** The server's last recorded report, ms since the epoch (0 when it has none). */
async function reportAt(id: string): Promise<number> {
  return Number((await late!.store.redis.hget(`${PREFIX}server:${id}`, "reportAt")) ?? 0);
}

function gone(p: Proc) {
  return p.lines.filter((l) => l.msg === "game server removed").map((l) => `${String(l.serverId)}: ${String(l.why)}`);
}

/** Polls the store (its state has no event) until probe answers, for at most 10 s. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
