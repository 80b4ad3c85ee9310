import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { type Proc, startUp } from "../testkit/cluster";

// What the browser tests share: Debian's chromium driven by playwright-core, and a whole mesh
// (`roomgate up`) whose Gateway serves the built pages from web/dist.

export const WEB_DIST = resolve(__dirname, "dist");
export const ARTIFACTS = resolve(__dirname, "..", "test-artifacts");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** Never skips: a machine without the browser fails here, saying what is missing. */
export async function launchBrowser(): Promise<Browser> {
  try {
    return await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  } catch (e) {
    throw new Error(
      `cannot launch the browser at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH): ${(e as Error).message}`,
    );
  }
}

export interface Mesh {
  url: string;
  /** The dashboard link `up` printed, with its operator token in the fragment. */
  dashboardUrl: string;
  port: number;
  proc: Proc;
  stop(): Promise<void>;
}

/** `roomgate up` on free loopback ports (with `env` on top), ready once both game servers have registered. */
export async function startMesh(port = 0, env: Record<string, string> = {}): Promise<Mesh> {
  if (!existsSync(resolve(WEB_DIST, "index.html")) || !existsSync(resolve(WEB_DIST, "dashboard.html"))) {
    throw new Error(`the web UI is not built (${WEB_DIST}): run 'npm run build:web' before these tests`);
  }
  const up = await startUp({ GATEWAY_PORT: String(port), GATEWAY_WEB_DIR: WEB_DIST, ...env });
  const [, dashboardUrl] = await up.proc.printed(/Cluster dashboard[^\n]*: (\S+)\n/).catch(async (e) => {
    await up.proc.kill("SIGKILL");
    throw e;
  });
  return {
    url: `http://127.0.0.1:${up.port}`,
    dashboardUrl: dashboardUrl!,
    port: up.port,
    proc: up.proc,
    async stop() {
      const t = setTimeout(() => up.proc.kill("SIGKILL"), 10_000);
      await up.proc.kill("SIGTERM");
      clearTimeout(t);
    },
  };
}

/** Both at once; whichever did start is stopped again when the other fails, so nothing is left running. */
export async function startMeshAndBrowser(env: Record<string, string> = {}): Promise<{ mesh: Mesh; browser: Browser }> {
  const [mesh, browser] = await Promise.allSettled([startMesh(0, env), launchBrowser()]);
  if (mesh.status === "fulfilled" && browser.status === "fulfilled")
    return { mesh: mesh.value, browser: browser.value };
  if (mesh.status === "fulfilled") await mesh.value.stop();
  if (browser.status === "fulfilled") await browser.value.close();
  throw mesh.status === "rejected" ? mesh.reason : (browser as PromiseRejectedResult).reason;
}

/**
 * A test file's mesh and browser: started in its beforeAll, closed in its afterAll. A test that
 * restarts the mesh puts the new one in `mesh` so that it is the one stopped.
 */
export function meshAndBrowserForFile(meshEnv: Record<string, string> = {}): { mesh: Mesh; browser: Browser } {
  const env = {} as { mesh: Mesh; browser: Browser };
  beforeAll(async () => {
    Object.assign(env, await startMeshAndBrowser(meshEnv));
  }, 60_000);
  afterAll(async () => {
    await env.browser?.close();
    await env.mesh?.stop();
  }, 30_000);
  return env;
}

/** Collects a page's console and uncaught errors, so a test can show them and insist there were none. */
export function watchPage(page: Page, name: string): string[] {
  const log: string[] = [];
  page.on("console", (m) => log.push(`${name} ${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => log.push(`${name} pageerror: ${e.message}`));
  return log;
}

export async function screenshot(page: Page, file: string) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = resolve(ARTIFACTS, file);
  await page.screenshot({ path });
  return path;
}

/** The demo page once it is in a room with an open connection. */
export async function inRoom(page: Page) {
  await page.locator('[data-testid="state"][data-state="open"]').waitFor({ timeout: 10_000 });
  const selfId = await page.locator('[data-testid="dot"][data-self="true"]').getAttribute("data-player-id");
  if (!selfId) throw new Error("no own dot in the arena");
  return {
    selfId,
    roomId: (await page.getByTestId("room-id").textContent())!.trim(),
    serverId: (await page.getByTestId("server-id").textContent())!.trim(),
    shareLink: await page.getByTestId("share-link").inputValue(),
  };
}

/** The latest position a page knows for a player's dot (arena units, 0 to 1000). */
export async function dotPosition(page: Page, playerId: string) {
  const dot = page.locator(`[data-testid="dot"][data-player-id="${playerId}"]`);
  return { x: Number(await dot.getAttribute("data-x")), y: Number(await dot.getAttribute("data-y")) };
}

/**
 * The pages of one test file, each in a context of its own (separate storage, as two people on two
 * machines), with their console and uncaught errors kept so a test can insist there were none.
 */
export class Pages {
  private readonly logs: string[][] = [];

  /** `browser` is read when a page opens: test files launch it in beforeAll. */
  constructor(private readonly browser: () => Browser) {}

  async open(options: Parameters<Browser["newContext"]>[0] = { viewport: DESKTOP }): Promise<Page> {
    const page = await (await this.browser().newContext(options)).newPage();
    this.logs.push(watchPage(page, `page ${this.logs.length + 1}`));
    return page;
  }

  /** Uncaught errors of every page opened so far. */
  errors(): string[] {
    return this.logs.flat().filter((l) => / pageerror: /.test(l));
  }
}

/**
 * Holds a key until the page's own dot has gone 150 units along the axis, towards the middle of
 * the arena, then lets go. `keys` are the keys that walk up and down that axis. Returns the mark
 * the dot passed, for another page to wait on.
 */
export async function walk(page: Page, playerId: string, axis: "x" | "y", keys: [up: string, down: string]) {
  const start = (await dotPosition(page, playerId))[axis];
  const up = start < 600;
  const passed = { test: up ? ("above" as const) : ("below" as const), mark: up ? start + 150 : start - 150 };
  await page.keyboard.down(up ? keys[0] : keys[1]);
  await waitForDot(page, playerId, axis, passed.test, passed.mark);
  await page.keyboard.up(up ? keys[0] : keys[1]);
  return passed;
}

/** Resolves once the page shows the player's dot passing the given mark on one axis. */
export async function waitForDot(
  page: Page,
  playerId: string,
  axis: "x" | "y",
  test: "above" | "below",
  mark: number,
  timeout = 5000,
) {
  await page.waitForFunction(
    ({ playerId, axis, test, mark }) => {
      const dot = document.querySelector<HTMLElement>(`[data-testid="dot"][data-player-id="${playerId}"]`);
      if (!dot) return false;
      const v = Number(dot.dataset[axis]);
      return test === "above" ? v > mark : v < mark;
    },
    { playerId, axis, test, mark },
    { timeout },
  );
}
