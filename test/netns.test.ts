import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { once } from "node:events";
import { Netns } from "../testkit/netns";
import { run, SLOTS, slotsInUse, sweepDeadRuns, tryLock } from "../testkit/netns-slots";

// The namespace harness itself: real TCP between hosts, silent cuts, delay between regions, and
// nothing left behind.

const DELAY_MS = 50;
const ECHO_PORT = 7000;
/** How long a probe waits for a connect: a cut must outlast it, a live path answers far sooner. */
const CONNECT_TIMEOUT_MS = 1500;

let net: Netns;
const children: ChildProcess[] = [];

beforeAll(async () => {
  net = await Netns.create({ regions: ["near", "far"] });
  await Promise.all([net.addHost("a", "near"), net.addHost("b", "near"), net.addHost("f", "far")]);
  await Promise.all(["a", "b", "f"].map((h) => startEcho(h)));
}, 30_000);

afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await net?.teardown();
});

/** A TCP echo server inside host `name`, resolved once it listens. */
async function startEcho(name: string) {
  const h = net.host(name);
  const code = `require("net").createServer((s) => s.pipe(s)).listen(${ECHO_PORT}, "${h.ip}", () => console.log("listening"))`;
  const child = net.spawn(h, process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  await once(child.stdout!, "data");
}

interface Probe {
  /** ok, timeout, or the error code (ECONNREFUSED: the host answered with an RST). */
  outcome: string;
  /** Each connect's time to established, in ms. */
  connectMs: number[];
  /** Time to send `echoBytes` and read them back, in ms. */
  echoMs?: number;
}

/** From inside host `from`: `times` TCP connects to ip:port, then one echo of `echoBytes`. */
async function probe(from: string, ip: string, port = ECHO_PORT, times = 1, echoBytes = 0): Promise<Probe> {
  const code = `
const net = require("net");
const out = { outcome: "ok", connectMs: [] };
const once = () => new Promise((resolve) => {
  const t0 = performance.now();
  const s = net.connect(${port}, "${ip}");
  const timer = setTimeout(() => { s.destroy(); resolve("timeout"); }, ${CONNECT_TIMEOUT_MS});
  s.on("error", (e) => { clearTimeout(timer); resolve(e.code); });
  s.on("connect", () => { clearTimeout(timer); out.connectMs.push(performance.now() - t0); resolve(s); });
});
(async () => {
  for (let i = 0; i < ${times}; i++) {
    const s = await once();
    if (typeof s === "string") { out.outcome = s; break; }
    if (i < ${times} - 1 || ${echoBytes} === 0) { s.destroy(); continue; }
    const t0 = performance.now();
    let got = 0;
    s.on("data", (b) => { got += b.length; if (got >= ${echoBytes}) { out.echoMs = performance.now() - t0; s.destroy(); console.log(JSON.stringify(out)); } });
    s.write(Buffer.alloc(${echoBytes}, 7));
    return;
  }
  console.log(JSON.stringify(out));
})();`;
  const child = net.spawn(from, process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  let stdout = "";
  child.stdout!.on("data", (b: Buffer) => (stdout += b));
  await once(child, "exit");
  return JSON.parse(stdout) as Probe;
}

/** From the test process (the root namespace, on the near bridge). */
function connectFromRoot(ip: string, port = ECHO_PORT): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, ip);
    const timer = setTimeout(() => {
      s.destroy();
      resolve("timeout");
    }, CONNECT_TIMEOUT_MS);
    s.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code ?? "error");
    });
    s.on("connect", () => {
      clearTimeout(timer);
      s.destroy();
      resolve("ok");
    });
  });
}

test("hosts reach each other and the test process over TCP, each at its own address", async () => {
  const [a, b] = [net.host("a"), net.host("b")];
  expect(a.ip).not.toBe(b.ip);
  expect(await probe("a", b.ip, ECHO_PORT, 1, 100_000)).toMatchObject({ outcome: "ok", echoMs: expect.any(Number) });
  expect((await probe("b", a.ip)).outcome).toBe("ok");
  expect(await connectFromRoot(a.ip)).toBe("ok");
  // Each host has a network stack of its own: its loopback is not the test process's.
  expect((await probe("a", "127.0.0.1", ECHO_PORT)).outcome).toBe("ECONNREFUSED");
  // A port nobody listens on is refused at once: what a cut must not look like.
  expect((await probe("a", b.ip, ECHO_PORT + 1)).outcome).toBe("ECONNREFUSED");
});

test("a cut drops packets silently both ways (connects time out, no RST); heal restores", async () => {
  const [a, b] = [net.host("a"), net.host("b")];
  await net.cut("a", "b");
  const [ab, ba, abClosed] = await Promise.all([
    probe("a", b.ip),
    probe("b", a.ip),
    // Not even a refusal comes back from a port nobody listens on.
    probe("a", b.ip, ECHO_PORT + 1),
  ]);
  expect([ab.outcome, ba.outcome, abClosed.outcome]).toEqual(["timeout", "timeout", "timeout"]);
  // Only that pair: both still reach the far host and the test process reaches both.
  expect((await probe("a", net.host("f").ip)).outcome).toBe("ok");
  expect(await connectFromRoot(a.ip)).toBe("ok");
  expect(await connectFromRoot(b.ip)).toBe("ok");

  await net.heal();
  expect((await probe("a", b.ip)).outcome).toBe("ok");
  expect((await probe("b", a.ip)).outcome).toBe("ok");

  // Cut off from everything: from the test process too, in both directions.
  await net.cut("a", "all");
  const [toA, fromA] = await Promise.all([connectFromRoot(a.ip), probe("a", b.ip)]);
  expect([toA, fromA.outcome]).toEqual(["timeout", "timeout"]);
  await net.heal();
  expect(await connectFromRoot(a.ip)).toBe("ok");
  expect((await probe("a", b.ip)).outcome).toBe("ok");
}, 30_000);

test(`a ${DELAY_MS} ms delay between regions shows in every round trip across them, and only there`, async () => {
  const [b, f] = [net.host("b"), net.host("f")];
  net.setDelay("near", "far", DELAY_MS);
  try {
    const across = await probe("a", f.ip, ECHO_PORT, 5, 200_000);
    const within = await probe("a", b.ip, ECHO_PORT, 5);
    const back = await probe("f", net.host("a").ip, ECHO_PORT, 3);
    console.log(
      `connect ms across ${fmt(across.connectMs)}, back ${fmt(back.connectMs)}, within a region ${fmt(within.connectMs)}; ` +
        `200 kB echoed across in ${across.echoMs?.toFixed(0)} ms`,
    );
    expect([across.outcome, within.outcome, back.outcome]).toEqual(["ok", "ok", "ok"]);
    // A connect is one round trip (SYN, SYN-ACK): DELAY_MS each way; a timer may fire a ms early.
    expect(Math.min(...across.connectMs)).toBeGreaterThanOrEqual(2 * DELAY_MS - 2);
    expect(Math.min(...back.connectMs)).toBeGreaterThanOrEqual(2 * DELAY_MS - 2);
    // Not held for much longer: the slack is for a loaded 2-core machine.
    expect(Math.min(...across.connectMs)).toBeLessThan(2 * DELAY_MS + 400);
    expect(Math.max(...within.connectMs)).toBeLessThan(DELAY_MS);
    // Full-size segments cross the tunnel (MTU, checksums) in a few round trips (slow start from
    // 10 segments: about 6 here); a frame lost on the way costs a retransmission timeout of 1 s or more.
    expect(across.echoMs).toBeGreaterThanOrEqual(2 * DELAY_MS - 2);
    expect(across.echoMs).toBeLessThan(4000);

    net.setDelay("near", "far", 0);
    expect(Math.min(...(await probe("a", f.ip, ECHO_PORT, 3)).connectMs)).toBeLessThan(DELAY_MS);
  } finally {
    net.setDelay("near", "far", 0);
  }
}, 30_000);

const fmt = (ms: number[]) => ms.map((m) => m.toFixed(0)).join("/");

test("teardown leaves no namespace or link; the sweep removes a dead run's leftovers and leaves a live run's alone", async () => {
  // A run that ends properly.
  const done = await Netns.create({ regions: ["x", "y"] });
  await done.addHost("h", "x");
  expect(done.slot).not.toBe(net.slot);
  expect((await slotsInUse()).get(done.slot)?.namespaces.sort()).toEqual([`rg${done.slot}-h`, `rg${done.slot}-hub`]);
  const doneLinks = (await slotsInUse()).get(done.slot)!.links;
  expect(doneLinks.sort()).toEqual([`rg${done.slot}c`, `rg${done.slot}u`]);
  // Teardown checks, while it still holds the slot, that nothing of it is left, and fails if so.
  await done.teardown();
  // Its host's namespace is gone (another run may take the freed slot, with a hub of its own).
  expect(await run("ip", ["netns", "list"])).not.toMatch(new RegExp(`^rg${done.slot}-h( |$)`, "m"));

  // A run that dies with a process still inside one of its hosts.
  const dead = await Netns.create({ regions: ["x"] });
  await dead.addHost("h", "x");
  const orphan = dead.spawn("h", "sleep", ["600"], { stdio: "ignore" });
  children.push(orphan);
  const orphanExit = once(orphan, "exit");
  await dead.abandon();
  expect((await slotsInUse()).get(dead.slot)?.namespaces).toHaveLength(2);

  const swept = await sweepDeadRuns();
  // Another run starting meanwhile sweeps as well, and may be the one that removed it.
  console.log(`slot ${dead.slot} swept by ${swept.includes(dead.slot) ? "this run" : "another run"}`);
  expect(swept).not.toContain(net.slot);
  const left = await slotsInUse();
  expect(await run("ip", ["netns", "list"])).not.toMatch(new RegExp(`^rg${dead.slot}-h( |$)`, "m"));
  expect(await orphanExit).toEqual([null, "SIGKILL"]);
  // This file's live run is untouched and still works.
  expect(left.get(net.slot)?.namespaces.sort()).toEqual(
    [`${net.prefix}a`, `${net.prefix}b`, `${net.prefix}f`, net.hub].sort(),
  );
  expect((await probe("a", net.host("b").ip)).outcome).toBe("ok");
}, 30_000);

test("a slot is held exactly as long as its process lives: the sweep spares it while alive and clears it once killed", async () => {
  // Another process holds a slot (the highest free one: runs take the lowest) and owns a namespace.
  let slot = SLOTS - 1;
  for (; slot >= 0; slot--) {
    const probeLock = await tryLock(slot);
    if (!probeLock) continue;
    await probeLock.release();
    break;
  }
  const holder = spawn(
    process.execPath,
    ["-e", `require("net").createServer().listen({ path: "\\0roomgate-netns-${slot}" }, () => console.log("held"))`],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  children.push(holder);
  await once(holder.stdout!, "data");
  const ns = `rg${slot}-other`;
  await run("ip", ["netns", "add", ns]);
  try {
    expect(await tryLock(slot)).toBeUndefined();
    expect(await sweepDeadRuns()).not.toContain(slot);
    expect(await run("ip", ["netns", "list"])).toMatch(new RegExp(`^${ns}( |$)`, "m"));

    const exited = once(holder, "exit");
    holder.kill("SIGKILL");
    await exited;
    await sweepDeadRuns();
    expect(await run("ip", ["netns", "list"])).not.toMatch(new RegExp(`^${ns}( |$)`, "m"));
  } finally {
    await run("ip", ["netns", "del", ns]).catch(() => {});
  }
});
