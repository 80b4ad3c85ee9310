import { fileURLToPath } from "node:url";
import { defaultClientConditions, defineConfig } from "vite";

const web = fileURLToPath(new URL(".", import.meta.url));

// The pages call the Gateway on their own origin. `vite` (dev server) forwards those calls to a
// running Gateway (`npm start`, or ROOMGATE_GATEWAY), so development needs no CORS either.
const gateway = process.env.ROOMGATE_GATEWAY ?? "http://127.0.0.1:8080";

/** The Gateway serves the dashboard at /dashboard; the dev and preview servers should too. */
const dashboardPath = {
  name: "roomgate-dashboard-path",
  configureServer: (server) => void server.middlewares.use(toDashboardHtml),
  configurePreviewServer: (server) => void server.middlewares.use(toDashboardHtml),
};

function toDashboardHtml(req, _res, next) {
  const m = /^\/dashboard\/?(\?.*)?$/.exec(req.url ?? "");
  if (m) req.url = `/dashboard.html${m[1] ?? ""}`;
  next();
}

export default defineConfig({
  root: web,
  plugins: [dashboardPath],
  base: "/",
  // The pages build from the SDK's sources ("roomgate-source", client/package.json), so the SDK
  // needs no build of its own first; no alias either: its "#platform" import resolves under the
  // "browser" condition, to client/platform-web.ts.
  resolve: { conditions: ["roomgate-source", ...defaultClientConditions] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Streaming fetch (WatchCluster) already needs a browser at least this new.
    target: "es2022",
    // Every browser that runs es2022 modules has modulepreload; the polyfill would be dead weight.
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL("index.html", import.meta.url)),
        dashboard: fileURLToPath(new URL("dashboard.html", import.meta.url)),
      },
      output: {
        // Stable, readable names for what both pages share (otherwise named after a random module).
        manualChunks(id) {
          if (id.includes("/node_modules/")) return "vendor";
          if (/\/(client|gen|protocol)\//.test(id)) return "sdk";
          if (/\/web\/src\/(dom\.ts|format\.ts|styles\/base\.css)$/.test(id)) return "common";
          return undefined;
        },
      },
    },
  },
  server: {
    host: "127.0.0.1",
    proxy: { "/roomgate.v1.GatewayService": { target: gateway, changeOrigin: true } },
  },
  preview: {
    host: "127.0.0.1",
    proxy: { "/roomgate.v1.GatewayService": { target: gateway, changeOrigin: true } },
  },
});
