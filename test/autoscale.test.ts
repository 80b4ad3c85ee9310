import { spawnSync } from "node:child_process";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { type GameServer, GameServerState, RoomState } from "../gen/roomgate/v1/common_pb.js";
import { type ClusterEvent, ClusterEventKind } from "../gen/roomgate/v1/gateway_pb.js";
import { gatewayClient, Player } from "../testkit/client";
import { BUILT_CLI, type LogLine } from "../testkit/cluster";
import { decide } from "../manager/autoscaler";
import { startCluster } from "./harness/cluster";

// Autoscaling end to end: a Manager with the process provisioner on a real Redis starts and stops
// real `roomgate gameserver` processes. Rooms are created through a Gateway one after another,
// each held open by its creator's WebSocket; after each one the test waits (on cluster events,
// never on time) until the fleet matches the policy, so each CreateRoom meets the buffer the
// autoscaler restored, and it checks the autoscaler started exactly what the policy implies
// (booting servers counted, nothing twice). Then the players leave and the fleet shrinks to min
// by draining empty servers only: no room ever moves or is lost.

const REGION = "auto";
const BUFFER = 3;
const MIN = 1;
const MAX = 4;
const CAPACITY = 3;
const ROOMS = 9;

/** Servers the policy wants for `rooms` open rooms: enough that BUFFER slots stay free, within [MIN, MAX]. */
const wanted = (rooms: number) => Math.min(MAX, Math.max(MIN, Math.ceil((rooms + BUFFER) / CAPACITY)));

let env: Awaited<ReturnType<typeof startCluster>>;
const events: ClusterEvent[] = [];
const wakers = new Set<() => void>();
let unsubscribe: (() => void) | undefined;

beforeAll(async () => {
  env = await startCluster("autoscale", {
    gateways: 1,
    gameServers: 0,
    managerEnv: {
      LOG_LEVEL: "info",
      AUTOSCALE_PROVISIONER: "process",
      AUTOSCALE_POLICY: `${REGION}:buffer=${BUFFER},min=${MIN},max=${MAX}`,
      AUTOSCALE_INTERVAL_MS: "100",
      AUTOSCALE_SERVER_CAPACITY: String(CAPACITY),
      // Passed through to the game servers it starts.
      REPORT_INTERVAL_MS: "200",
    },
  });
  unsubscribe = await env.store.subscribeEvents((e) => {
    events.push(e);
    for (const w of [...wakers]) w();
  });
}, 60_000);

afterAll(async () => {
  unsubscribe?.();
  await env?.stop();
  // Whatever the test saw fail, no child outlives the run.
  for (const pid of childPids()) if (alive(pid)) process.kill(pid, "SIGKILL");
}, 60_000);

const managerLines = () => env.cluster.manager.proc.lines;
const startedLines = () => managerLines().filter((l) => l.msg === "started game server process");
/** Servers the autoscaler drained to remove them, from the cluster events it published. */
const scaleDownEvents = () =>
  events.filter((e) => e.kind === ClusterEventKind.SERVER_DRAINING && e.detail.startsWith("autoscaler: scale down"));
const scaleDowns = () => scaleDownEvents().map((e) => e.serverId);
const childPids = () => (env ? startedLines().map((l) => Number(l.pid)) : []);

function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function regionServers(): Promise<GameServer[]> {
  return (await env.store.listServers()).filter((s) => s.region === REGION);
}

/** The policy has nothing to remove (or add) in the fleet the store shows now. */
async function settled() {
  const servers = await regionServers();
  const policy = { region: REGION, buffer: { rooms: BUFFER }, min: MIN, max: MAX };
  return (
    decide(policy, { servers, booting: [], owned: servers.map((s) => s.id), newServerRooms: CAPACITY }).kind === "none"
  );
}

/** Resolves once check() holds: checked now and again after every cluster event (each follows a store change). */
function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let checking = false;
    let again = false;
    const done = (e?: Error) => {
      wakers.delete(wake);
      clearTimeout(timer);
      if (e) reject(e);
      else resolve();
    };
    const timer = setTimeout(() => {
      void regionServers().then((s) =>
        done(
          new Error(
            `not within ${timeoutMs} ms: ${what}; servers: ${JSON.stringify(s.map((x) => [x.id, GameServerState[x.state], x.reservedRooms]))}\n${env.cluster.manager.proc.tail(20)}`,
          ),
        ),
      );
    }, timeoutMs);
    const wake = () => {
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      check().then(
        (ok) => {
          checking = false;
          if (ok) done();
          else if (again) {
            again = false;
            wake();
          }
        },
        (e) => done(e as Error),
      );
    };
    wakers.add(wake);
    wake();
  });
}

interface OpenRoom {
  roomId: string;
  serverId: string;
  player: Player;
  /** Set when the socket closed before the test made its player leave. */
  closedEarly?: { code: number; reason: string };
  leaving?: boolean;
}

const rooms: OpenRoom[] = [];
let scaledDown: string[] = [];

test("a rising load adds servers ahead of it: no resource_exhausted, exactly the servers the policy implies", async () => {
  await until(
    `min ${MIN} server registered`,
    async () => (await regionServers()).filter((s) => s.state === GameServerState.LIVE).length === MIN,
  );
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const failures: string[] = [];
  for (let k = 1; k <= ROOMS; k++) {
    try {
      const created = await gw.createRoom({ region: REGION, maxPlayers: 2, playerName: `p${k}` });
      const { player } = await Player.join(created.serverAddress, created.roomId, created.joinToken);
      const room: OpenRoom = { roomId: created.roomId, serverId: created.serverId, player };
      void player.closed.then((c) => {
        if (!room.leaving) room.closedEarly = c;
      });
      rooms.push(room);
    } catch (e) {
      failures.push(`room ${k}: ${Code[ConnectError.from(e).code]}`);
      continue;
    }
    const want = wanted(k);
    await until(`${want} live servers with ${BUFFER} free slots after ${k} rooms`, async () => {
      const live = (await regionServers()).filter((s) => s.state === GameServerState.LIVE);
      return live.length >= want && live.reduce((a, s) => a + s.maxRooms - s.reservedRooms, 0) >= BUFFER;
    });
    // Booting servers were counted: never more started than the policy implies. (Its log line
    // comes long before a server registers; waiting for it only spares a race with the pipe.)
    await env.cluster.manager.proc.waitFor(() => startedLines().length >= want, 5000, `${want} started`);
    expect(startedLines()).toHaveLength(want);
  }
  expect(failures).toEqual([]);
  const servers = await regionServers();
  expect(servers).toHaveLength(MAX);
  expect(servers.every((s) => s.state === GameServerState.LIVE && s.maxRooms === CAPACITY)).toBe(true);
  expect(servers.reduce((a, s) => a + s.reservedRooms, 0)).toBe(ROOMS);
  // Every room is still where it was created, open, with its player.
  for (const r of rooms) {
    expect(await env.store.getRoom(r.roomId)).toMatchObject({
      serverId: r.serverId,
      state: RoomState.OPEN,
      migrations: 0,
    });
    expect(r.closedEarly).toBeUndefined();
  }
  const ups = managerLines().filter((l) => l.msg === "scaling up");
  expect(ups.reduce((a, l) => a + Number(l.add), 0)).toBe(MAX);
  expect(ups.every((l) => typeof l.why === "string" && l.region === REGION)).toBe(true);
}, 60_000);

test("a falling load removes empty servers down to min, their processes exit, and no room moves or is lost", async () => {
  expect(rooms).toHaveLength(ROOMS);
  // Players leave server by server, the least busy first, so servers empty while others still
  // hold rooms. After each room ends the test waits until the policy wants nothing removed.
  const size = (id: string) => rooms.filter((r) => r.serverId === id).length;
  const order = [...rooms].sort((a, b) => size(a.serverId) - size(b.serverId) || a.serverId.localeCompare(b.serverId));
  let lastLeaveAt = 0;
  for (const [i, r] of order.entries()) {
    r.leaving = true;
    lastLeaveAt = Date.now();
    await r.player.leave();
    await until(
      `room ${r.roomId} removed and nothing more to remove`,
      async () => (await env.store.getRoom(r.roomId)) === undefined && (await settled()),
    );
    // The rooms still open have not moved.
    for (const o of order.slice(i + 1))
      expect(await env.store.getRoom(o.roomId)).toMatchObject({
        serverId: o.serverId,
        state: RoomState.OPEN,
        migrations: 0,
      });
  }
  await until(`${MIN} server left`, async () => (await regionServers()).length === MIN);
  // The store shows a removal before its events arrive (a process sends its events in windows of
  // EVENT_FLUSH_MS), and an empty server's drain, exit and removal fit in one window: the events
  // are awaited, and judged by the time they carry, not by when they came.
  await until(`${MAX - MIN} scale-downs announced`, async () => scaleDowns().length >= MAX - MIN);
  // At least one server went while rooms were still open elsewhere.
  expect(scaleDownEvents().filter((e) => timestampMs(e.time!) < lastLeaveAt).length).toBeGreaterThanOrEqual(1);
  scaledDown = scaleDowns();
  expect(scaledDown).toHaveLength(MAX - MIN);
  // Each was drained by the autoscaler (which said why), exited 0, and left the store as drained with nothing to move.
  const proc = env.cluster.manager.proc;
  for (const id of scaledDown) {
    const stopped = await proc.waitFor(
      (l: LogLine) => l.msg === "game server process stopped" && l.serverId === id,
      15_000,
      `${id} exit`,
    );
    expect(stopped).toMatchObject({ code: 0, signal: null });
    expect(alive(Number(stopped.pid))).toBe(false);
    const removed = await proc.waitFor(
      (l: LogLine) => l.msg === "game server removed" && l.serverId === id,
      15_000,
      `${id} removal`,
    );
    expect(removed).toMatchObject({ level: "info", why: "drained", moving: 0, dropped: 0 });
    await proc.waitFor(
      (l: LogLine) => l.msg === "scaling down" && l.serverId === id && typeof l.why === "string",
      5000,
      `${id} scale-down line`,
    );
  }
  expect(managerLines().filter((l) => l.msg === "scale-down called off: a room landed on the server")).toEqual([]);
  const kinds = events.map((e) => e.kind);
  expect(kinds).not.toContain(ClusterEventKind.ROOM_MIGRATED);
  expect(kinds).not.toContain(ClusterEventKind.ROOM_LOST);
  expect(kinds).not.toContain(ClusterEventKind.SERVER_SUSPECT);
  expect(rooms.filter((r) => r.closedEarly)).toEqual([]);
  // Nothing went wrong on the way: no child exited on its own, no server missed its reports.
  expect(managerLines().filter((l) => l.level === "warn" || l.level === "error")).toEqual([]);
  const [last] = await regionServers();
  expect(last).toMatchObject({ state: GameServerState.LIVE, reservedRooms: 0 });
  expect(scaledDown).not.toContain(last!.id);
}, 60_000);

test("the Manager's clean shutdown stops the game servers it started", async () => {
  const [last] = await regionServers();
  const pid = Number(startedLines().find((l) => l.serverId === last!.id)!.pid);
  expect(alive(pid)).toBe(true);
  const proc = env.cluster.manager.proc;
  expect(await proc.kill("SIGTERM")).toEqual({ code: 0, signal: null });
  // Its last lines may still be in the pipe when it has exited.
  expect(
    await proc.waitFor(
      (l) => l.msg === "game server process stopped" && l.serverId === last!.id,
      5000,
      "child stopped",
    ),
  ).toMatchObject({ code: 0 });
  expect(alive(pid)).toBe(false);
  for (const p of childPids()) expect(alive(p)).toBe(false);
}, 30_000);

test("a Manager refuses to start with autoscaling settings it cannot use", () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, [BUILT_CLI, "manager"], {
      encoding: "utf8",
      env: { PATH: process.env.PATH!, REDIS_URL: "redis://127.0.0.1:1", ROOMGATE_SECRET: "x".repeat(32), ...env },
      timeout: 10_000,
    });
  const refusals: [Record<string, string>, RegExp][] = [
    [{ AUTOSCALE_PROVISIONER: "process", AUTOSCALE_POLICY: "eu:buffer=1" }, /AUTOSCALE_POLICY: eu: max is required/],
    [
      { AUTOSCALE_PROVISIONER: "process", AUTOSCALE_POLICY: "eu:buffer=1,min=3,max=2" },
      /AUTOSCALE_POLICY: eu: min \(3\) is above max \(2\)/,
    ],
    [{ AUTOSCALE_PROVISIONER: "process" }, /AUTOSCALE_POLICY is required/],
    [{ AUTOSCALE_POLICY: "eu:buffer=1,max=2" }, /AUTOSCALE_PROVISIONER is not/],
    [
      { AUTOSCALE_PROVISIONER: "kubernetes", AUTOSCALE_POLICY: "eu:buffer=1,max=2" },
      /AUTOSCALE_PROVISIONER must be process/,
    ],
    [
      { AUTOSCALE_PROVISIONER: "process", AUTOSCALE_POLICY: "eu:buffer=1,max=2", ROOMGATE_SECRET: "" },
      /ROOMGATE_SECRET is required/,
    ],
  ];
  for (const [env, error] of refusals) {
    const out = run(env);
    expect({ status: out.status, stderr: out.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(error) });
  }
});
