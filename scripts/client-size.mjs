// npm run size:client: what @roomgate/client adds to a browser app. Vite builds a one-line app that
// imports the SDK as a package (client/dist, as an installed copy resolves it: "browser" condition,
// ES modules, tree-shaken, minified) and this prints the bundle's bytes, minified and gzipped,
// then the share of each package in it, so that a growth can be traced to what grew
// (SIZE_MODULES=1: every module too, unminified bytes).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "vite";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// Inside node_modules so that "@roomgate/client" resolves as it does for an app (the workspace link).
const app = join(root, "node_modules", ".cache", "roomgate-client-size");
rmSync(app, { recursive: true, force: true });
mkdirSync(app, { recursive: true });
writeFileSync(
  join(app, "main.js"),
  'import { RoomgateClient } from "@roomgate/client";\nglobalThis.roomgate = new RoomgateClient(location.origin);\n',
);

const modules = new Map();
const output = await build({
  root: app,
  configFile: false,
  logLevel: "warn",
  build: {
    write: false,
    target: "es2022",
    modulePreload: { polyfill: false },
    rollupOptions: { input: join(app, "main.js") },
  },
  plugins: [
    {
      name: "roomgate-size-by-package",
      generateBundle(_options, bundle) {
        for (const chunk of Object.values(bundle)) {
          if (chunk.type !== "chunk") continue;
          for (const [id, m] of Object.entries(chunk.modules)) {
            // The workspace link resolves to client/dist itself, outside any node_modules.
            const pkg = id.startsWith(app)
              ? "(the app)"
              : (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id)?.[1] ??
                (id.includes("/client/dist/") ? "@roomgate/client" : id));
            modules.set(pkg, (modules.get(pkg) ?? 0) + m.renderedLength);
            if (process.env.SIZE_MODULES) console.log(`    ${m.renderedLength} ${id}`);
          }
        }
      },
    },
  ],
});
rmSync(app, { recursive: true, force: true });

const js = [output].flat().flatMap((o) => o.output.filter((f) => f.type === "chunk"));
const code = js.map((c) => c.code).join("\n");
const min = Buffer.byteLength(code);
const gz = gzipSync(code, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`@roomgate/client in a browser app (Vite, minified): ${kb(min)}, gzipped: ${kb(gz)}`);
const total = [...modules.values()].reduce((a, b) => a + b, 0);
console.log("share of the bundle before minification, by package:");
for (const [pkg, n] of [...modules].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${pkg.padEnd(28)} ${((100 * n) / total).toFixed(1).padStart(5)} %`);
}
