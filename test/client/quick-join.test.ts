import { leaveAll, startCluster } from "../harness/cluster";
import { codeOf } from "../harness/codes";
import { type Room, RoomgateClient, RoomVisibility } from "@roomgate/client";

// Quick-join (joinOrCreate) and listings (listRooms) through the SDK, against a real mesh: one
// Manager, one Gateway, two plain game servers and one with the label map=dust.

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("sdk-quick-join", { gateways: 1, gameServers: 2 });
  await env.cluster.startGameServer("gs-dust", { GAMESERVER_LABELS: "map=dust" });
  await env.cluster.registered("gs-dust");
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

function byRoom(players: Room[]): Map<string, Room[]> {
  const m = new Map<string, Room[]>();
  for (const p of players) m.set(p.roomId, [...(m.get(p.roomId) ?? []), p]);
  return m;
}

test("seven players quick-join duels of three at once: all welcomed, no room over three; one at a time, rooms fill before a new one is made", async () => {
  const client = new RoomgateClient(env.cluster.gatewayUrl(0));
  const quickJoin = (name: string) =>
    client.joinOrCreate({ mode: "duel", maxPlayers: 3, playerName: name, metadata: { by: name } });

  // Each resolves only once the game server has welcomed the player: nobody was turned away.
  const rush = await Promise.all(Array.from({ length: 7 }, (_, i) => quickJoin(`rush-${i}`)));
  const rooms = byRoom(rush);
  console.log(
    `7 concurrent quick-joins: ${rooms.size} rooms of ${[...rooms.values()].map((r) => r.length).join(", ")} players`,
  );
  expect(rush.every((p) => p.connection === "open")).toBe(true);
  // Those who find no seat take turns creating, and the rest take the new room's seats.
  expect(rooms.size).toBe(Math.ceil(7 / 3));
  for (const [roomId, members] of rooms) {
    expect(members.length).toBeLessThanOrEqual(3);
    const creators = members.filter((p) => p.created);
    expect(creators).toHaveLength(1); // made by exactly one of them, with that one's metadata
    const info = await client.getRoom(roomId);
    expect(info).toMatchObject({
      mode: "duel",
      maxPlayers: 3,
      visibility: RoomVisibility.PUBLIC,
      freeSeats: 3 - members.length,
    });
    expect(info.metadata).toEqual({ by: creators[0]!.players.find((p) => p.id === creators[0]!.playerId)?.name });
  }

  // One at a time: a quick-join makes a room only when no duel room has a free seat.
  const freeSeats = async () =>
    (await client.listRooms({ mode: "duel", pageSize: 100 })).rooms.reduce((n, r) => n + r.freeSeats, 0);
  const seatsLeft = await freeSeats();
  expect(seatsLeft).toBe(3 * rooms.size - 7);
  const calm: Room[] = [];
  for (let i = 0; i < seatsLeft + 2; i++) {
    const free = await freeSeats();
    const p = await quickJoin(`calm-${i}`);
    expect({ i, free, created: p.created }).toEqual({ i, free, created: free === 0 });
    calm.push(p);
  }
  const all = byRoom([...rush, ...calm]);
  expect([...all.values()].every((members) => members.length <= 3)).toBe(true);
  // Every room full but the newest, which has two of its three seats taken.
  const open = (await client.listRooms({ mode: "duel", pageSize: 100 })).rooms;
  expect(open.map((r) => [r.roomId, r.freeSeats])).toEqual([[calm[calm.length - 1]!.roomId, 1]]);
  expect((await client.listRooms({ mode: "duel", includeFull: true, pageSize: 100 })).rooms).toHaveLength(all.size);
  await leaveAll(env.cluster, [...rush, ...calm]);
});

test("listRooms: public rooms with their metadata and free seats, newest first, page by page; never a private one", async () => {
  const client = new RoomgateClient(env.cluster.gatewayUrl(0), { protocol: "grpc-web" });
  const pub: Room[] = [];
  for (let i = 0; i < 5; i++)
    pub.push(
      await client.createRoom({
        visibility: "public",
        mode: "ffa",
        maxPlayers: 4,
        metadata: { name: `arena ${i}`, map: "dust" },
        playerName: `host-${i}`,
      }),
    );
  const secret = await client.createRoom({
    visibility: "private",
    mode: "ffa",
    maxPlayers: 4,
    metadata: { name: "secret" },
  });
  const unsaid = await client.createRoom({ mode: "ffa", maxPlayers: 4 }); // private by default
  const solo = await client.createRoom({
    visibility: "public",
    mode: "ffa",
    maxPlayers: 1,
    metadata: { name: "solo" },
  });
  const guest = await client.joinRoom(pub[1]!.roomId, { playerName: "guest" });
  const newestFirst = [...pub].reverse().map((r) => r.roomId);

  const pages: string[][] = [];
  let pageToken = "";
  do {
    const page = await client.listRooms({ mode: "ffa", pageSize: 2, pageToken });
    pages.push(page.rooms.map((r) => r.roomId));
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
  expect(pages.flat()).toEqual(newestFirst);

  const listed = (await client.listRooms({ mode: "ffa" })).rooms;
  expect(listed.map((r) => r.roomId)).toEqual(newestFirst);
  for (const r of listed) {
    const i = pub.findIndex((p) => p.roomId === r.roomId);
    expect(r).toMatchObject({
      mode: "ffa",
      region: "local",
      visibility: RoomVisibility.PUBLIC,
      maxPlayers: 4,
      freeSeats: i === 1 ? 2 : 3,
    });
    expect(r.metadata).toEqual({ name: `arena ${i}`, map: "dust" });
  }
  // Full rooms only when asked for; private ones never, whatever the filters.
  const withFull = (await client.listRooms({ mode: "ffa", includeFull: true })).rooms;
  expect(withFull.map((r) => r.roomId)).toEqual([solo.roomId, ...newestFirst]);
  expect(withFull[0]).toMatchObject({ freeSeats: 0, metadata: { name: "solo" } });
  expect((await client.listRooms({ mode: "ffa", region: "local" })).rooms).toHaveLength(5);
  expect((await client.listRooms({ mode: "ffa", region: "mars", includeFull: true })).rooms).toHaveLength(0);
  const everything: string[] = [];
  pageToken = "";
  do {
    const page = await client.listRooms({ includeFull: true, pageSize: 3, pageToken });
    everything.push(...page.rooms.map((r) => r.roomId));
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  expect(everything).toEqual(expect.arrayContaining([solo.roomId, ...newestFirst]));
  expect(everything).not.toContain(secret.roomId);
  expect(everything).not.toContain(unsaid.roomId);
  expect(await codeOf(client.listRooms({ pageToken: "not-one-of-ours" }))).toBe("InvalidArgument");

  await leaveAll(env.cluster, [...pub, secret, unsaid, solo, guest]);
  expect((await client.listRooms({ mode: "ffa", includeFull: true })).rooms).toHaveLength(0);
});

test("labels: rooms go to a server that has them, quick-joins match them exactly; bad options are refused", async () => {
  const client = new RoomgateClient(env.cluster.gatewayUrl(0));
  // No REGION_GATEWAYS here: nothing to measure, and rooms are placed as before.
  expect(await client.measureRegions()).toEqual([]);

  const dust = await client.createRoom({ labels: { map: "dust" }, playerName: "d" });
  expect(dust.serverId).toBe("gs-dust");
  expect((await client.getRoom(dust.roomId)).labels).toEqual({ map: "dust" });
  expect(await codeOf(client.createRoom({ labels: { map: "nowhere" } }))).toBe("Unavailable"); // no live server has them

  const ctf = (name: string, labels?: Record<string, string>) =>
    client.joinOrCreate({ mode: "ctf", maxPlayers: 2, playerName: name, labels });
  const a = await ctf("a", { map: "dust" });
  expect(a).toMatchObject({ created: true, serverId: "gs-dust" });
  const b = await ctf("b"); // no labels: another kind of room
  expect(b.created).toBe(true);
  expect(b.roomId).not.toBe(a.roomId);
  const c = await ctf("c", { map: "dust" });
  expect(c).toMatchObject({ created: false, roomId: a.roomId });

  await expect(client.createRoom({ visibility: "secret" as never })).rejects.toThrow(TypeError);
  expect(await codeOf(client.joinOrCreate({ mode: "" }))).toBe("InvalidArgument");
  await leaveAll(env.cluster, [dust, a, b, c]);
});
