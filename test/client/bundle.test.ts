import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";

// What a browser app that uses the SDK gets (issue 15: at most 40 KB gzipped): a real Vite build
// of a one-line app (scripts/client-bundle.mjs, the "browser" condition, tree-shaken), and the
// modules in it. What a game does not use must not be there: protobuf-es's reflection runtime and
// the generated descriptors, Connect's clients, the Node platform, and tracing unless asked for.

const root = resolve(__dirname, "../..");

interface Bundle {
  minified: number;
  gzipped: number;
  modules: { id: string; package: string; bytes: number }[];
}

let bundle: Bundle;

beforeAll(async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["scripts/client-bundle.mjs", "--sources"], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  });
  bundle = JSON.parse(stdout) as Bundle;
}, 60_000);

const ids = (pkg: string) => bundle.modules.filter((m) => m.package === pkg).map((m) => m.id);

test("the one-line app is at most 40 KB gzipped", () => {
  expect(bundle.gzipped).toBeLessThanOrEqual(40 * 1024);
  console.log(`one-line app: ${bundle.minified} bytes minified, ${bundle.gzipped} gzipped`);
});

test("of protobuf-es only the wire layer is bundled: no reflection, registry, descriptors or JSON", () => {
  const protobuf = ids("@bufbuild/protobuf");
  expect(protobuf.length).toBeGreaterThan(0);
  // The binary reader and writer, their varints, UTF-8 and base64 (error details), and the int64
  // conversion the reader uses for Timestamp seconds.
  expect(protobuf.filter((id) => !/\/dist\/esm\/(wire\/[a-z0-9-]+|proto-int64)\.js$/.test(id))).toEqual([]);
});

test("of Connect only its Code enum is bundled; no transport, no Node platform, no tracing", () => {
  expect(ids("@connectrpc/connect")).toEqual(["node_modules/@connectrpc/connect/dist/esm/code.js"]);
  const packages = new Set(bundle.modules.map((m) => m.package));
  for (const p of ["@connectrpc/connect-web", "@connectrpc/connect-node", "@opentelemetry/api", "ws"])
    expect(packages).not.toContain(p);
  const sdk = ids("@roomgate/client");
  expect(sdk).toEqual(expect.arrayContaining(["client/gateway-call.ts", "client/frames.ts", "client/socket-web.ts"]));
  expect(sdk.filter((id) => /-node\.ts$|\/tracing\.ts$/.test(id))).toEqual([]);
  // Generated files add only the enums the SDK exports (their descriptors need codegenv2, not bundled).
  expect(sdk.filter((id) => id.startsWith("client/gen/")).sort()).toEqual([
    "client/gen/roomgate/v1/common_pb.ts",
    "client/gen/roomgate/v1/room_pb.ts",
  ]);
});
