import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CELL_SCRIPTS } from "../cells/cell-map";
import { STORE_SCRIPTS } from "../redis-store";
import { LUA_DIR, scriptSource } from "./lua";

// Each script's encoder fills KEYS and ARGV in the order the .lua file names them: the file binds
// every KEYS[i] and ARGV[i] to a local at its top, and its tail (if any) starts right after.

function header(file: string) {
  const text = readFileSync(join(LUA_DIR, `${file}.lua`), "utf8");
  const bound = (table: string) =>
    [...text.matchAll(new RegExp(`^local (\\w+) = (?:tonumber\\()?${table}\\[(\\d+)\\]`, "gm"))].map((m) => ({
      name: m[1],
      index: Number(m[2]),
    }));
  const tail = /^local \w+ = (?:set\(ARGV, (\d+)\)|(\d+)) *--/m.exec(text);
  return { keys: bound("KEYS"), args: bound("ARGV"), tailFrom: tail ? Number(tail[1] ?? tail[2]) : undefined };
}

test.each([...STORE_SCRIPTS, ...CELL_SCRIPTS].map((s) => [s.file, s] as const))(
  "%s: the encoder's names are the script's, in order",
  (_file, s) => {
    const h = header(s.file);
    expect(h.keys).toEqual(s.keys.map((name, i) => ({ name, index: i + 1 })));
    expect(h.args).toEqual(s.args.map((name, i) => ({ name, index: i + 1 })));
    expect(h.tailFrom).toBe(s.rest ? s.args.length + 1 : undefined);
  },
);

test("scripts compare against gen/'s enum values, never bare state numbers", () => {
  for (const s of [...STORE_SCRIPTS, ...CELL_SCRIPTS]) {
    const source = scriptSource(s.file);
    expect(source).not.toMatch(/(state|r\[\d\]|h\.[sv])\s*[~=]=\s*'\d'/);
    expect(source).not.toMatch(/@include/);
  }
});
