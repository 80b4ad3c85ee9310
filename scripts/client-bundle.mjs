// @roomgate/client as a browser app bundles it: Vite builds a small app that imports the SDK as a
// package ("browser" condition, ES modules, tree-shaken, minified) and reports the bundle and the
// modules in it (rendered bytes before minification). scripts/client-size.mjs prints its size;
// the tests use it to check what a browser gets (test/client/bundle.test.ts) and to load the SDK
// into Chromium (web/sdk.test.ts).
//
//   node scripts/client-bundle.mjs [--sources] [--expose | --traced]   prints {code, minified, gzipped, modules} as JSON
//
// --sources: the SDK's TypeScript sources (the "roomgate-source" condition, as the repo's own web
//   build takes them), so no build of client/dist is needed first; otherwise client/dist, as an
//   installed copy resolves it.
// --expose: the app puts every export of the SDK on globalThis.roomgateSdk, instead of the
//   one-line app that the size is measured with (one RoomgateClient on globalThis.roomgate).
// --traced: the one-line app with `tracing: openTelemetry()` (@roomgate/client/tracing).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, defaultClientConditions } from "vite";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const APPS = {
  oneLine:
    'import { RoomgateClient } from "@roomgate/client";\nglobalThis.roomgate = new RoomgateClient(location.origin);\n',
  expose: 'import * as sdk from "@roomgate/client";\nglobalThis.roomgateSdk = sdk;\n',
  traced:
    'import { RoomgateClient } from "@roomgate/client";\nimport { openTelemetry } from "@roomgate/client/tracing";\n' +
    "globalThis.roomgate = new RoomgateClient(location.origin, { tracing: openTelemetry() });\n",
};

/** The package a bundled module belongs to ("(the app)" for the app itself). */
function packageOf(id, app) {
  if (id.startsWith(app)) return "(the app)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id)?.[1];
  if (pkg) return pkg;
  // The workspace link resolves to client/ itself, outside any node_modules.
  return id.startsWith(join(root, "client") + "/") ? "@roomgate/client" : id;
}

/** { code, minified, gzipped, modules: [{ id, package, bytes }] } of the app's bundle. */
export async function bundleClient({ sources = false, app: which = "oneLine" } = {}) {
  // Inside node_modules so that "@roomgate/client" resolves as it does for an app (the workspace link).
  const app = join(root, "node_modules", ".cache", `roomgate-client-bundle-${process.pid}`);
  rmSync(app, { recursive: true, force: true });
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, "main.js"), APPS[which]);
  const modules = [];
  try {
    const output = await build({
      root: app,
      configFile: false,
      logLevel: "warn",
      resolve: sources ? { conditions: ["roomgate-source", ...defaultClientConditions] } : undefined,
      build: {
        write: false,
        target: "es2022",
        modulePreload: { polyfill: false },
        rollupOptions: { input: join(app, "main.js") },
      },
      plugins: [
        {
          name: "roomgate-bundle-modules",
          generateBundle(_options, bundle) {
            for (const chunk of Object.values(bundle)) {
              if (chunk.type !== "chunk") continue;
              for (const [id, m] of Object.entries(chunk.modules))
                modules.push({
                  id: id.startsWith(root) ? id.slice(root.length + 1) : id,
                  package: packageOf(id, app),
                  bytes: m.renderedLength,
                });
            }
          },
        },
      ],
    });
    const code = [output]
      .flat()
      .flatMap((o) => o.output.filter((f) => f.type === "chunk"))
      .map((c) => c.code)
      .join("\n");
    return { code, minified: Buffer.byteLength(code), gzipped: gzipSync(code, { level: 9 }).length, modules };
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = new Set(process.argv.slice(2));
  const app = args.has("--expose") ? "expose" : args.has("--traced") ? "traced" : "oneLine";
  const result = await bundleClient({ sources: args.has("--sources"), app });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
