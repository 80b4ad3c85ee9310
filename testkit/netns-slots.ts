import { execFile, execFileSync } from "node:child_process";
import { createServer, type Server } from "node:net";

// Which run owns which network namespaces. Each run of testkit/netns.ts takes a slot: its names
// start with rg<slot>- (namespaces) or rg<slot> (its two links in the root namespace), and its
// addresses are 10.213.<slot>.0/24 and 10.214.<slot>.0/30. A slot is held by listening on an
// abstract Unix socket named for it: the kernel frees the name the moment the holder dies, however
// it dies, so "is its owner alive?" needs no pid file, and two runs can never both think they own
// a slot. Whatever carries a slot's names while nobody holds the slot is a dead run's leftover.

export const SLOTS = 64;

/** Fails with what is missing when this process cannot make network namespaces. */
export function requireNetns(): void {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push("root (network namespaces, veth and bridges need CAP_NET_ADMIN)");
  try {
    execFileSync("ip", ["-V"], { stdio: "ignore" });
  } catch {
    missing.push("iproute2's `ip` command (scripts/ensure-test-deps.sh installs it)");
  }
  if (missing.length)
    throw new Error(`the network-namespace harness (testkit/netns.ts) needs ${missing.join(" and ")}`);
}

/** Runs `cmd args`, feeding `input` on stdin; rejects with its stderr. */
export function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
    // A command that reads nothing may be gone before its stdin is written to.
    child.stdin!.on("error", () => {});
    child.stdin!.end(input ?? "");
  });
}

export interface SlotLock {
  readonly slot: number;
  release(): Promise<void>;
}

/** Takes the slot if no live process holds it. */
export function tryLock(slot: number): Promise<SlotLock | undefined> {
  const server: Server = createServer();
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => (e.code === "EADDRINUSE" ? resolve(undefined) : reject(e)));
    server.listen({ path: `\0roomgate-netns-${slot}` }, () => {
      // Held for as long as the process lives or until released, never keeping it alive.
      server.unref();
      resolve({ slot, release: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

/** The slots that own any namespace or root link, by name. */
export async function slotsInUse(): Promise<Map<number, { namespaces: string[]; links: string[] }>> {
  const found = new Map<number, { namespaces: string[]; links: string[] }>();
  const entry = (slot: number) => {
    let e = found.get(slot);
    if (!e) found.set(slot, (e = { namespaces: [], links: [] }));
    return e;
  };
  for (const line of (await run("ip", ["netns", "list"])).split("\n")) {
    const name = line.split(" ")[0]!;
    const m = /^rg(\d+)-/.exec(name);
    if (m) entry(Number(m[1])).namespaces.push(name);
  }
  for (const line of (await run("ip", ["-o", "link", "show"])).split("\n")) {
    const m = /^\d+: (rg(\d+)[a-z])[@:]/.exec(line);
    if (m) entry(Number(m[2])).links.push(m[1]!);
  }
  return found;
}

/**
 * Removes everything named for `slot`: the processes still inside its namespaces (a killed run's
 * orphans), the namespaces and the root links. Only for a slot this process holds.
 */
export async function removeSlot(lock: SlotLock): Promise<void> {
  const own = (await slotsInUse()).get(lock.slot);
  if (!own) return;
  for (const ns of own.namespaces) {
    const pids = (await run("ip", ["netns", "pids", ns]).catch(() => "")).split("\n").filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // Gone already.
      }
    }
    await run("ip", ["netns", "del", ns]).catch(() => {});
  }
  // A root link whose peer lived in a deleted namespace is gone with it; these are the rest.
  for (const link of own.links) await run("ip", ["link", "del", link]).catch(() => {});
}

/** Removes the leftovers of every slot no live process holds; leaves held slots alone. */
export async function sweepDeadRuns(): Promise<number[]> {
  const swept: number[] = [];
  for (const slot of (await slotsInUse()).keys()) {
    const lock = await tryLock(slot);
    if (!lock) continue;
    try {
      await removeSlot(lock);
      swept.push(slot);
    } finally {
      await lock.release();
    }
  }
  return swept;
}

/** Sweeps dead runs' leftovers, then takes the lowest free slot whose subnets no route uses. */
export async function acquireSlot(): Promise<SlotLock> {
  await sweepDeadRuns();
  for (let slot = 0; slot < SLOTS; slot++) {
    const lock = await tryLock(slot);
    if (!lock) continue;
    await removeSlot(lock);
    const routes = await run("ip", ["-4", "route", "show"]);
    // Someone else's network on these addresses: not ours to shadow.
    if (routes.includes(`10.213.${slot}.`) || routes.includes(`10.214.${slot}.`)) {
      await lock.release();
      continue;
    }
    return lock;
  }
  throw new Error(`all ${SLOTS} network-namespace slots are held by live runs`);
}
