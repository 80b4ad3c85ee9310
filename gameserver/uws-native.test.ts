import { readFileSync } from "node:fs";
import uWS from "uWebSockets.js";

// The uWebSockets.js package we depend on falls back, with only a console warning, to a slow
// pure-JS copy when its binary does not load. These checks fail if that ever happens.
test("the native uWebSockets.js binary is loaded, not the JS fallback", () => {
  const native = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  const maps = readFileSync("/proc/self/maps", "utf8");
  expect(maps).toContain(native);
  expect(Function.prototype.toString.call(uWS.App)).toContain("[native code]");
  const fallbackLoaded = Object.keys(require.cache).some((p) => /uWebSockets\.js[/\\]dist[/\\]/.test(p));
  expect(fallbackLoaded).toBe(false);
});
