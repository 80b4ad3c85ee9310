import { spawnSync } from "node:child_process";
import { Code, ConnectError } from "@connectrpc/connect";
import { SETTINGS, flagName } from "../common/config";
import { BUILT_CLI, startUp } from "../testkit/cluster";
import { gatewayClient, Player } from "../testkit/client";
import { EXAMPLE_ROOMS } from "../testkit/logic-rooms";

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BUILT_CLI, ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH!, ...env },
    timeout: 10_000,
  });

test("--help documents every flag and environment variable", () => {
  const out = run(["--help"]);
  expect(out.status).toBe(0);
  for (const s of SETTINGS) {
    expect(out.stdout).toContain(s.env);
    expect(out.stdout).toContain(flagName(s.env));
  }
  const gs = run(["gameserver", "--help"]);
  expect(gs.stdout).toContain("GAMESERVER_CAPACITY");
  expect(gs.stdout).not.toContain("GATEWAY_TLS_CERT");
});

test("separate components refuse to start without what they need", () => {
  const gw = run(["gateway"], { REDIS_URL: "redis://127.0.0.1:1" });
  expect(gw.status).toBe(2);
  expect(gw.stderr).toMatch(/ROOMGATE_SECRET is required/);
  const mg = run(["manager"]);
  expect(mg.status).toBe(2);
  expect(mg.stderr).toMatch(/REDIS_URL is required/);
  const bad = run(["gameserver", "--gameserver-port", "seven"], { ROOMGATE_SECRET: "x".repeat(32) });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/GAMESERVER_PORT/);
  // Game servers spend join tokens in the shared store.
  const gs = run(["gameserver"], { ROOMGATE_SECRET: "x".repeat(32), REDIS_URL: "" });
  expect(gs.status).toBe(2);
  expect(gs.stderr).toMatch(/REDIS_URL is required/);
  expect(run(["gateway", "--no-such-flag", "1"]).stderr).toMatch(/unknown option --no-such-flag/);
  expect(run(["fly"]).stderr).toMatch(/unknown command 'fly'/);
});

test("join-token secrets and player auth are checked at start", () => {
  const env = { REDIS_URL: "redis://127.0.0.1:1" };
  const refused = (extra: Record<string, string>) => run(["gateway"], { ...env, ...extra });
  expect(refused({ ROOMGATE_SECRET: "x".repeat(32), JOIN_TOKEN_SECRETS: `a:${"y".repeat(16)}` }).stderr).toMatch(
    /not both/,
  );
  expect(refused({ JOIN_TOKEN_SECRETS: "a:short" }).stderr).toMatch(/at least 16 bytes/);
  expect(refused({ JOIN_TOKEN_SECRETS: "no-colon" }).stderr).toMatch(/kid:secret/);
  const keys = { JOIN_TOKEN_SECRETS: `k1:${"y".repeat(16)}` };
  expect(refused({ ...keys, AUTH_JWT_SECRET: "short" }).stderr).toMatch(/AUTH_JWT_SECRET must be at least 32 bytes/);
  expect(refused({ ...keys, AUTH_JWT_SECRET: "s".repeat(32), AUTH_JWKS_URL: "http://x" }).stderr).toMatch(
    /exactly one/,
  );
  expect(refused({ ...keys, AUTH_JWKS_URL: "http://x", AUTH_MAX_CLAIMS_BYTES: "99999" }).stderr).toMatch(
    /AUTH_MAX_CLAIMS_BYTES/,
  );
});

test("`roomgate up` runs the whole mesh in one process on the embedded store", async () => {
  // Both game servers register before the first room can be spread. Defaults for the Manager's
  // interface and the operator token, as a user gets them.
  const up = await startUp({ MANAGER_HOST: "", ADMIN_TOKEN: "" });
  try {
    // Issue 10: the internal port is private, and the operator token is made and printed.
    const manager = up.proc.lines.find((l) => l.msg === "ready" && l.component === "manager");
    expect(manager).toMatchObject({ host: "127.0.0.1", tls: false });
    const [, link, token] = await up.proc.printed(/Cluster dashboard[^\n]*: (\S+\/dashboard#token=([\w-]{32,}))\n/);
    expect(link).toBe(`http://127.0.0.1:${up.port}/dashboard#token=${token}`);
    const watch = (headers: Record<string, string>) =>
      (async () => {
        for await (const res of gatewayClient(`http://127.0.0.1:${up.port}`).watchCluster({}, { headers }))
          return res.servers.length;
        return undefined;
      })().catch((e: unknown) => ConnectError.from(e).code);
    expect(await watch({})).toBe(Code.Unauthenticated);
    expect(await watch({ authorization: `Bearer ${token}` })).toBe(2);
    // The Manager's operator calls take the same token: `roomgate servers` without it is refused.
    const [, managerAddress] = await up.proc.printed(/--manager-address (\S+)\n/);
    const anonymous = run(["servers", "--manager-address", managerAddress!]);
    expect(anonymous.status).not.toBe(0);
    expect(anonymous.stderr).toMatch(/UNAUTHENTICATED: ListServers needs the operator token/);
    const operator = run(["servers", "--manager-address", managerAddress!], { ADMIN_TOKEN: token! });
    expect(operator.status).toBe(0);
    expect(operator.stdout.trim().split("\n")).toHaveLength(3); // the header and two servers
    const gw = gatewayClient(`http://127.0.0.1:${up.port}`);
    const r = await gw.createRoom({ playerName: "solo" });
    const j = await gw.joinRoom({ roomId: r.roomId });
    const a = await Player.join(r.serverAddress, r.roomId, r.joinToken);
    const b = await Player.join(j.serverAddress, j.roomId, j.joinToken);
    b.player.broadcast(new Uint8Array([1]));
    expect((await a.player.next("message")).frame.value.fromPlayerId).toBe(j.playerId);
    await a.player.leave();
    await b.player.leave();
  } finally {
    expect(await up.proc.kill("SIGTERM")).toEqual({ code: 0, signal: null });
  }
});

test("`roomgate up --gameserver-rooms`: its game servers run the module's room types; a module that does not load stops it", async () => {
  const missing = run(["up", "--gameserver-rooms", "/no/such/rooms.js", "--gateway-port", "0", "--manager-port", "0"]);
  expect(missing.status).toBe(2);
  expect(missing.stderr).toMatch(/GAMESERVER_ROOMS: cannot load \/no\/such\/rooms\.js/);
  const up = await startUp({ GAMESERVER_ROOMS: EXAMPLE_ROOMS });
  try {
    const gw = gatewayClient(`http://127.0.0.1:${up.port}`);
    const r = await gw.createRoom({ roomType: "dots", playerName: "solo" });
    const a = await Player.join(r.serverAddress, r.roomId, r.joinToken);
    expect(a.welcome.roomType).toBe("dots");
    expect((await a.player.next("sync")).frame.case).toBe("sync");
    await a.player.leave();
  } finally {
    expect(await up.proc.kill("SIGTERM")).toEqual({ code: 0, signal: null });
  }
});
