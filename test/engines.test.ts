import { readFileSync } from "node:fs";
import { join } from "node:path";
import { satisfies, subset, validRange } from "semver";

// package.json's engines.node is the Node.js range roomgate claims, for each of its workspace
// packages. Every locked package must claim at least that range, or the claim is false for part of
// it (npm only warns: EBADENGINE).
const repo = join(__dirname, "..");
const read = (file: string) => readFileSync(join(repo, file), "utf8");
const claimed: string = JSON.parse(read("package.json")).engines.node;

type Locked = { version?: string; engines?: { node?: unknown } };
const nodeRange = (p: Locked) => (typeof p.engines?.node === "string" ? p.engines.node : undefined);

test("every locked package supports all of package.json's engines.node", () => {
  expect(validRange(claimed)).not.toBeNull();
  const packages = Object.entries(JSON.parse(read("package-lock.json")).packages as Record<string, Locked>);
  const ranged = packages.flatMap(([path, p]) => {
    const range = nodeRange(p);
    return path !== "" && range ? [{ name: `${path.replace(/^.*node_modules\//, "")}@${p.version}`, range }] : [];
  });
  expect(ranged.length).toBeGreaterThan(10);
  const narrower = ranged.filter((p) => !subset(claimed, p.range)).map((p) => `${p.name}: ${p.range}`);
  expect(narrower).toEqual([]);
});

test("every workspace package claims the same range", () => {
  const workspaces: string[] = JSON.parse(read("package.json")).workspaces ?? [];
  for (const w of workspaces) {
    expect([w, JSON.parse(read(join(w, "package.json"))).engines?.node]).toEqual([w, claimed]);
  }
});

test("make test-node runs supported lines, and the README states the range", () => {
  const versions = /^NODE_TEST_VERSIONS \?= (.+)$/m.exec(read("Makefile"))?.[1]?.split(/\s+/) ?? [];
  expect(versions.length).toBeGreaterThan(0);
  for (const v of versions) expect([v, satisfies(v, claimed)]).toEqual([v, true]);
  expect(read("README.md")).toContain(`\`${claimed}\``);
});
