import { createReadStream, existsSync, statSync } from "node:fs";
import type { HttpRequest as Req, HttpResponse as Res } from "./http-types.js";
import { extname, join, normalize, resolve, sep } from "node:path";

// The built web UI, served from one directory.

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".map": "application/json",
  ".woff2": "font/woff2",
};

/** Pages with friendly paths; everything else is served by its file name. */
const PAGES: Record<string, string> = {
  "/": "index.html",
  "/dashboard": "dashboard.html",
  "/dashboard/": "dashboard.html",
};

/**
 * Serves the built web UI (demo at /, dashboard at /dashboard) from one directory. Only GET and
 * HEAD, never outside the directory. Returns false when it has nothing for the request.
 */
export function staticFiles(dir: string) {
  const root = resolve(dir);
  return (req: Req, res: Res): boolean => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    let path: string;
    try {
      path = decodeURIComponent((req.url ?? "/").split("?")[0]!);
    } catch {
      // A malformed percent-escape (e.g. %E0%A4%A) names no file: the client's mistake, not ours.
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
      res.end("bad request: malformed percent-encoding in the path");
      return true;
    }
    const rel = PAGES[path] ?? path.slice(1);
    const file = normalize(join(root, rel));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      if (PAGES[path] && !existsSync(root)) {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
        res.end(`the web UI is not built (${root} is missing): run 'npm run build:web'`);
        return true;
      }
      return false;
    }
    const type = TYPES[extname(file)] ?? "application/octet-stream";
    // Vite puts a content hash in every asset name; only the pages must be fetched afresh.
    const cache = file.includes(`${sep}assets${sep}`) ? "public, max-age=31536000, immutable" : "no-cache";
    res.writeHead(200, { "content-type": type, "cache-control": cache, "content-length": statSync(file).size });
    if (req.method === "HEAD") res.end();
    else {
      // A file that vanished or cannot be read mid-way ends this response, not the process.
      const stream = createReadStream(file);
      stream.on("error", () => res.destroy());
      stream.pipe(res as NodeJS.WritableStream);
    }
    return true;
  };
}
