// npm run size:client: what @roomgate/client adds to a browser app. Vite builds a one-line app that
// imports the SDK as a package (client/dist, as an installed copy resolves it: "browser" condition,
// ES modules, tree-shaken, minified; scripts/client-bundle.mjs) and this prints the bundle's bytes,
// minified and gzipped, then the share of each package in it, so that a growth can be traced to
// what grew (SIZE_MODULES=1: every module too, unminified bytes), and the app once more with the
// SDK's opt-in tracing.
import { bundleClient } from "./client-bundle.mjs";

const { minified, gzipped, modules } = await bundleClient();
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`@roomgate/client in a browser app (Vite, minified): ${kb(minified)}, gzipped: ${kb(gzipped)}`);
const byPackage = new Map();
for (const m of modules) byPackage.set(m.package, (byPackage.get(m.package) ?? 0) + m.bytes);
const total = modules.reduce((a, m) => a + m.bytes, 0);
console.log("share of the bundle before minification, by package:");
for (const [pkg, n] of [...byPackage].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${pkg.padEnd(28)} ${((100 * n) / total).toFixed(1).padStart(5)} %`);
}
const traced = await bundleClient({ app: "traced" });
console.log(
  `the same app with tracing: openTelemetry() (@roomgate/client/tracing): ${kb(traced.minified)}, gzipped: ${kb(traced.gzipped)}`,
);
if (process.env.SIZE_MODULES) {
  console.log("modules, before minification:");
  for (const m of [...modules].sort((a, b) => b.bytes - a.bytes))
    console.log(`  ${String(m.bytes).padStart(7)} ${m.id}`);
}
