import { create, toBinary } from "@bufbuild/protobuf";
import { ClientFrameSchema, ServerFrameSchema } from "../gen/roomgate/v1/room_pb.js";
import type { CreateRoomResponse } from "../gen/roomgate/v1/gateway_pb.js";
import { gatewayClient, Player, roomUrl } from "../testkit/client";
import { startUp } from "../testkit/cluster";
import { adminPort, probe, type Samples, scrape, total, value } from "../testkit/metrics";
import { leaveAll, startCluster } from "./harness/cluster";
import { codeOf } from "./harness/codes";

// Every component scraped before and after a room flow on separate processes and the run's Redis:
// each counter moved by exactly what the flow did.

let env: Awaited<ReturnType<typeof startCluster>>;
const METRICS = { METRICS_PORT: "0" };

beforeAll(async () => {
  env = await startCluster("metrics", {
    gateways: 1,
    gameServers: 2,
    gatewayEnv: METRICS,
    // Short reports, so the dead server of the last test is found within a second.
    gameServerEnv: { ...METRICS, REPORT_INTERVAL_MS: "200" },
    managerEnv: METRICS,
  });
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

async function scrapeAll() {
  const { cluster } = env;
  return {
    manager: await scrape(adminPort(cluster.manager.proc)),
    gateway: await scrape(adminPort(cluster.gateways[0]!.proc)),
    servers: await Promise.all(cluster.gameServers.map((g) => scrape(adminPort(g.proc)))),
  };
}

const moved = (before: Samples, after: Samples, series: string) => value(after, series) - value(before, series);
const movedOn = (before: Samples[], after: Samples[], series: string) => total(after, series) - total(before, series);

test("3 creates, 2 quick-joins, 1 join, frames and refusals: each counter moves by exactly that", async () => {
  const { cluster } = env;
  const gw = gatewayClient(cluster.gatewayUrl(0));
  const before = await scrapeAll();

  const rooms: CreateRoomResponse[] = [];
  for (let i = 0; i < 3; i++) rooms.push(await gw.createRoom({ playerName: `p${i}`, maxPlayers: 4 }));
  const first = await gw.joinOrCreate({ mode: "metrics", maxPlayers: 2, playerName: "q1" });
  const second = await gw.joinOrCreate({ mode: "metrics", maxPlayers: 2, playerName: "q2" });
  expect([first.created, second.created, second.roomId]).toEqual([true, false, first.roomId]);
  const joined = await gw.joinRoom({ roomId: rooms[0]!.roomId, playerName: "bob" });
  expect(await codeOf(gw.createRoom({ playerName: "x".repeat(65) }))).toBe("InvalidArgument");

  // The room's first token opens it on its server, which records it OPEN in the store before the welcome.
  const ann = await Player.join(rooms[0]!.serverAddress, rooms[0]!.roomId, rooms[0]!.joinToken);
  const bob = await Player.join(joined.serverAddress, joined.roomId, joined.joinToken);
  await ann.player.next("playerJoined");
  const payload = new TextEncoder().encode("hello bob");
  ann.player.broadcast(payload);
  await bob.player.next("message");
  const refused = await Player.connect(roomUrl(rooms[1]!.serverAddress, rooms[1]!.roomId, "not-a-token")).catch(
    (e: { status: number }) => e.status,
  );
  expect(refused).toBe(401);

  const after = await scrapeAll();
  const m = (series: string) => moved(before.manager, after.manager, series);
  const g = (series: string) => moved(before.gateway, after.gateway, series);
  const s = (series: string) => movedOn(before.servers, after.servers, series);

  // 3 rooms created and the quick-join's one, all on servers that open rooms on their first token:
  // the Gateway placed each in the store itself, and no Manager was asked.
  expect(g('roomgate_gateway_allocations_total{result="created"}')).toBe(4);
  expect(m('roomgate_allocations_total{result="created"}')).toBe(0);
  expect(m("roomgate_allocation_duration_seconds_count")).toBe(0);
  // Open: the one room players came to; the others wait for their first token.
  expect(value(after.manager, 'roomgate_rooms{state="open"}')).toBe(1);
  expect(value(after.manager, 'roomgate_rooms{state="opening"}')).toBe(3);
  expect(value(after.manager, 'roomgate_rooms{state="moving"}')).toBe(0);
  expect(value(after.manager, 'roomgate_servers{state="live"}')).toBe(2);
  expect(value(after.manager, "roomgate_seats_reserved")).toBe(3 * 4 + 2);
  expect(m("roomgate_redis_command_duration_seconds_count")).toBeGreaterThan(0);
  expect(m('roomgate_redis_command_errors_total{command="evalsha"}')).toBe(0);
  expect(value(after.manager, 'roomgate_component_info{component="manager"}')).toBe(1);
  expect(after.manager.has("process_cpu_user_seconds_total")).toBe(true);

  // Gateway: every call by outcome, the seats its tokens hold, the quick-join outcomes, the refusal.
  expect(g('roomgate_gateway_requests_total{method="CreateRoom",code="ok"}')).toBe(3);
  expect(g('roomgate_gateway_requests_total{method="CreateRoom",code="invalid_argument"}')).toBe(1);
  expect(g('roomgate_gateway_requests_total{method="JoinRoom",code="ok"}')).toBe(1);
  expect(g('roomgate_gateway_requests_total{method="JoinOrCreate",code="ok"}')).toBe(2);
  expect(g("roomgate_seats_held_total")).toBe(6);
  expect(g('roomgate_quickjoin_total{outcome="created"}')).toBe(1);
  expect(g('roomgate_quickjoin_total{outcome="joined"}')).toBe(1);
  expect(g('roomgate_refusals_total{component="gateway",reason="validation"}')).toBe(1);
  expect(g('roomgate_refusals_total{component="gateway",reason="rate_limit"}')).toBe(0);
  expect(g("roomgate_redis_command_duration_seconds_count")).toBeGreaterThan(0);

  // Game servers: two sockets, one frame in, every frame the players got out, the bad token.
  const received = [...ann.player.frames, ...bob.player.frames];
  const sentBytes = received.reduce((n, f) => n + toBinary(ServerFrameSchema, f).byteLength, 0);
  const inBytes = toBinary(
    ClientFrameSchema,
    create(ClientFrameSchema, { frame: { case: "broadcast", value: { payload } } }),
  ).byteLength;
  expect(s("roomgate_ws_connections_total")).toBe(2);
  expect(total(after.servers, "roomgate_ws_connections")).toBe(2);
  expect(s("roomgate_ws_frames_received_total")).toBe(1);
  expect(s("roomgate_ws_received_bytes_total")).toBe(inBytes);
  expect(s("roomgate_ws_frames_sent_total")).toBe(received.length);
  expect(s("roomgate_ws_sent_bytes_total")).toBe(sentBytes);
  expect(s('roomgate_refusals_total{component="gameserver",reason="token"}')).toBe(1);
  expect(s('roomgate_refusals_total{component="gameserver",reason="validation"}')).toBe(0);
  // The servers run the room players came to; the other three open when their first tokens come.
  expect(total(after.servers, "roomgate_gameserver_rooms")).toBe(1);
  expect(total(after.servers, "roomgate_gameserver_players")).toBe(2);
  // Their load reports go to the store, not to the Manager (WRITE_LOAD_REPORTS), and none failed.
  expect(total(after.servers, "roomgate_gameserver_load_reports_written_total")).toBeGreaterThan(0);
  expect(total(after.servers, "roomgate_gameserver_load_report_write_failures_total")).toBe(0);

  // A text frame is a validation refusal (and closes the socket); then everyone is gone.
  bob.player.sendRaw("not protobuf");
  await bob.player.closed;
  await leaveAll(cluster, [{ roomId: rooms[0]!.roomId, leave: () => ann.player.leave() }]);
  const end = await scrapeAll();
  expect(
    movedOn(after.servers, end.servers, 'roomgate_refusals_total{component="gameserver",reason="validation"}'),
  ).toBe(1);
  expect(total(end.servers, "roomgate_ws_connections")).toBe(0);
}, 60_000);

test("a game server killed: its rooms move, and the Manager counts each move and the removal", async () => {
  const { cluster, store } = env;
  const gw = gatewayClient(cluster.gatewayUrl(0));
  const victim = (await gw.createRoom({ playerName: "ann" })).serverId;
  const onVictim = (await store.listServerRooms(victim)).length;
  const before = await scrape(adminPort(cluster.manager.proc));
  const moves = () => cluster.manager.proc.lines.filter((l) => l.msg === "room moved").length;
  const movedBefore = moves();

  await cluster.gameServer(victim).proc.kill("SIGKILL");
  await cluster.manager.proc.waitFor(() => moves() === movedBefore + onVictim, 20_000, `${onVictim} rooms moved`);
  const after = await scrape(adminPort(cluster.manager.proc));
  expect(moved(before, after, "roomgate_rooms_moved_total")).toBe(onVictim);
  expect(moved(before, after, "roomgate_rooms_lost_total")).toBe(0);
  expect(moved(before, after, "roomgate_servers_removed_total")).toBe(1);
  expect(value(after, 'roomgate_servers{state="live"}')).toBe(1);
}, 60_000);

test("`roomgate up` serves one registry for its four components; /metrics needs ADMIN_TOKEN when set", async () => {
  const up = await startUp({
    METRICS_PORT: "0",
    ADMIN_TOKEN: "s3cret-admin-token",
    RATE_LIMIT_CREATE_PER_S: "1",
    RATE_LIMIT_CREATE_BURST: "1",
  });
  try {
    const port = adminPort(up.proc);
    const unauthorized = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(unauthorized.status).toBe(401);
    const wrong = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    const samples = await scrape(port, "s3cret-admin-token");
    for (const component of ["gateway", "manager", "gameserver"])
      expect(value(samples, `roomgate_component_info{component="${component}"}`)).toBe(1);
    expect(value(samples, 'roomgate_servers{state="live"}')).toBe(2);
    // The probes stay open: a kubelet sends no token.
    expect((await probe(port, "/healthz")).status).toBe(200);
    expect(await probe(port, "/readyz")).toMatchObject({ status: 200, body: { status: "ready" } });
    // One create within the limit, one over it; a join with a forged rejoin token.
    const gw = gatewayClient(`http://127.0.0.1:${up.port}`);
    const room = await gw.createRoom({});
    expect(await codeOf(gw.createRoom({}))).toBe("ResourceExhausted");
    expect(await codeOf(gw.joinRoom({ roomId: room.roomId, rejoinToken: `${room.joinToken}x` }))).toBe(
      "Unauthenticated",
    );
    const later = await scrape(port, "s3cret-admin-token");
    expect(moved(samples, later, 'roomgate_gateway_allocations_total{result="created"}')).toBe(1);
    expect(moved(samples, later, 'roomgate_refusals_total{component="gateway",reason="rate_limit"}')).toBe(1);
    expect(moved(samples, later, 'roomgate_refusals_total{component="gateway",reason="token"}')).toBe(1);
    expect(
      moved(samples, later, 'roomgate_gateway_requests_total{method="CreateRoom",code="resource_exhausted"}'),
    ).toBe(1);
  } finally {
    await up.proc.kill("SIGTERM");
  }
}, 60_000);
