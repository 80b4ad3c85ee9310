import { readFileSync } from "node:fs";
import uWS from "uWebSockets.js";

// Each Node.js line loads its own prebuilt binary (one per ABI, process.versions.modules); the
// package throws when it has none. This proves the one for the running line is really mapped in:
// `make test-node` runs it on every supported line.
test("the native uWebSockets.js binary for this Node.js ABI is loaded", () => {
  const native = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  const maps = readFileSync("/proc/self/maps", "utf8");
  expect(maps).toContain(native);
  expect(Function.prototype.toString.call(uWS.App)).toContain("[native code]");
});
