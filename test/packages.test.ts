import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { Proc } from "../testkit/cluster";

// The two packages as a user gets them: `npm pack` both, install the tarballs into an empty folder
// outside the repo (their dependencies come from the npm registry; no workspace link, no
// NODE_PATH), run `npx roomgate up` there with a room module of that folder, and play in a room of
// its type from a script of that folder that imports @roomgate/client. Needs `make build` first
// (`make test` does it) and the registry: ROOMGATE_TEST_INSTALL_MS bounds the install (5 min).

const ROOT = resolve(__dirname, "..");
const INSTALL_MS = Number(process.env.ROOMGATE_TEST_INSTALL_MS) || 300_000;
const run = promisify(execFile);
const progress = (msg: string) => process.stderr.write(`packages.test: ${msg}\n`);

/** What the children see of this environment: how to reach the registry and its cache, nothing of the repo. */
function outsideEnv(): NodeJS.ProcessEnv {
  const keep =
    /^(PATH|HOME|TMPDIR|LANG|(HTTPS?|NO)_PROXY|(https?|no)_proxy|npm_config_(registry|cache|userconfig|cafile|strict_ssl|(https_)?proxy|noproxy))$/;
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => keep.test(k)));
}

const ROOM_MODULE = `import { defineRoom } from "roomgate/server";

export default [
  defineRoom({
    type: "tally",
    initialState: () => ({ names: {}, total: 0 }),
    onJoin(ctx, player) {
      ctx.state.names[player.id] = player.name;
    },
    onMessage(ctx, _player, input) {
      if (typeof input?.add === "number") ctx.state.total += input.add;
    },
  }),
];
`;

const DRIVER = `import { RoomgateClient, RoomState } from "@roomgate/client";

const until = (room, match) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("view never matched: " + JSON.stringify(room.view))), 15000);
    const check = (view) => view !== undefined && match(view) && (clearTimeout(timer), off(), resolve(view));
    const off = room.on("change", check);
    check(room.view);
  });

const client = new RoomgateClient(process.argv[2]);
const ann = await client.createRoom({ roomType: "tally", playerName: "ann" });
await until(ann, (v) => v.names[ann.playerId] === "ann");
ann.input({ add: 5 });
const bob = await client.joinRoom(ann.roomId, { playerName: "bob" });
const view = await until(bob, (v) => v.total === 5 && Object.keys(v.names).length === 2);
// The room as the store has it (its player count follows the join through the Manager, later).
const room = await client.getRoom(ann.roomId);
console.log(JSON.stringify({
  resolved: [import.meta.resolve("@roomgate/client"), import.meta.resolve("roomgate/server")],
  roomType: bob.roomType,
  stored: { roomId: room.roomId === ann.roomId, serverId: room.serverId === bob.serverId, open: room.state === RoomState.OPEN },
  view,
  players: { ann: ann.playerId, bob: bob.playerId },
}));
await bob.leave();
await ann.leave();
`;

interface Packed {
  filename: string;
  files: { path: string }[];
}

async function pack(dest: string, ...args: string[]): Promise<Packed> {
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", dest, ...args], {
    cwd: ROOT,
    timeout: 120_000,
  });
  return (JSON.parse(stdout) as Packed[])[0]!;
}

/** Every relative import of the package's files that lands outside it, or on nothing. */
function escapingImports(pkgDir: string): string[] {
  const bad: string[] = [];
  const visit = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const file = join(dir, e.name);
      if (e.isDirectory()) visit(file);
      else if (/\.(js|d\.ts)$/.test(e.name)) {
        for (const m of readFileSync(file, "utf8").matchAll(/\b(?:from|import)\s*\(?\s*"(\.[^"]*)"/g)) {
          const target = resolve(dirname(file), m[1]!);
          if (!target.startsWith(pkgDir + "/") || !existsSync(target)) bad.push(`${file}: ${m[1]}`);
        }
      }
    }
  };
  visit(pkgDir);
  return bad;
}

let work: string;
let up: Proc | undefined;

beforeAll(() => {
  for (const built of ["dist/cli/roomgate.js", "client/dist/index.js"]) {
    if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing: run make build first`);
  }
  work = mkdtempSync(join(tmpdir(), "roomgate-packages-"));
});

afterAll(async () => {
  const child = up?.child as ChildProcess | undefined;
  if (child && child.exitCode === null && child.signalCode === null) {
    process.kill(-child.pid!, "SIGKILL");
    await up!.exited;
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

test(
  "npm pack both packages, install the tarballs elsewhere, `npx roomgate up` a room module there, and play in it with @roomgate/client",
  async () => {
    progress(`packing into ${work}`);
    const server = await pack(work);
    const client = await pack(work, "--workspace", "client");
    const serverFiles = server.files.map((f) => f.path);
    const clientFiles = client.files.map((f) => f.path);
    expect(serverFiles).toEqual(
      expect.arrayContaining([
        "dist/cli/roomgate.js",
        "dist/rooms/index.js",
        "dist/rooms/index.d.ts",
        "dist/common/store/lua/allocate.lua",
        "web/dist/index.html",
      ]),
    );
    // Built code only: no sources, tests, test kit, benchmarks or source maps.
    expect(serverFiles.filter((f) => /(?<!\.d)\.ts$|\.map$|\.test\.|^dist\/(testkit|bench|chaos)\//.test(f))).toEqual(
      [],
    );
    expect(clientFiles).toEqual(
      expect.arrayContaining(["dist/index.js", "dist/index.d.ts", "dist/platform-web.js", "dist/platform-node.js"]),
    );
    expect(
      clientFiles.filter((f) => !/^(package\.json|README\.md|LICENSE|dist\/.+(?<!\.test)\.(js|d\.ts))$/.test(f)),
    ).toEqual([]);

    const app = join(work, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
    writeFileSync(join(app, "rooms.mjs"), ROOM_MODULE);
    writeFileSync(join(app, "drive.mjs"), DRIVER);
    progress(`npm install of both tarballs in ${app} (dependencies from the registry, at most ${INSTALL_MS} ms)`);
    const started = Date.now();
    await run(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        join(work, server.filename),
        join(work, client.filename),
      ],
      { cwd: app, env: outsideEnv(), timeout: INSTALL_MS },
    );
    progress(`installed in ${Date.now() - started} ms`);
    const installed = join(app, "node_modules", "@roomgate", "client");
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    // roomgate's dependency on @roomgate/client is that same copy, not a second one.
    expect(existsSync(join(app, "node_modules", "roomgate", "node_modules"))).toBe(false);
    expect(escapingImports(installed)).toEqual([]);

    progress("npx roomgate up");
    const child = spawn("npx", ["--no-install", "roomgate", "up", "--gameserver-rooms", "./rooms.mjs"], {
      cwd: app,
      env: {
        ...outsideEnv(),
        LOG_FORMAT: "json",
        GATEWAY_PORT: "0",
        MANAGER_PORT: "0",
        GAMESERVER_PORT: "0",
        REDIS_URL: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
      // npx runs roomgate as its child: the group is signalled as one.
      detached: true,
    });
    up = new Proc("up", child);
    const ready = await up.waitFor((l) => l.msg === "ready" && l.component === "gateway", 30_000, "Gateway ready");
    await up.waitFor(() => up!.lines.filter((l) => l.msg === "game server registered").length >= 2, 15_000);

    progress("drive.mjs: create a tally room, input, join");
    const { stdout } = await run(process.execPath, ["drive.mjs", `http://127.0.0.1:${ready.port}`], {
      cwd: app,
      env: outsideEnv(),
      timeout: 60_000,
    });
    const out = JSON.parse(stdout);
    expect(out.resolved.every((url: string) => url.startsWith(`file://${app}/node_modules/`))).toBe(true);
    expect(out).toMatchObject({
      roomType: "tally",
      stored: { roomId: true, serverId: true, open: true },
      view: { names: { [out.players.ann]: "ann", [out.players.bob]: "bob" }, total: 5 },
    });

    // npx dies of the signal at once; roomgate, which holds the same pipes, has stopped once they close.
    const closed = new Promise((r) => child.once("close", r));
    process.kill(-child.pid!, "SIGTERM");
    await closed;
    expect(up.lines.some((l) => l.msg === "shutting down")).toBe(true);
    expect(up.lines.filter((l) => l.level === "error" || l.level === "warn")).toEqual([]);
  },
  INSTALL_MS + 180_000,
);
