import { bool, checkServerId, ConfigError, parseLabels, readSettings } from "./config";

// GAMESERVER_LABELS is held to the rules of Register.labels in manager.proto, not to a copy.

test("labels parse into a map; a name without a value has an empty one", () => {
  expect(parseLabels(" mode=ctf, map=dust,version=1.4,flag", "GAMESERVER_LABELS")).toEqual({
    mode: "ctf",
    map: "dust",
    version: "1.4",
    flag: "",
  });
  expect(parseLabels("", "GAMESERVER_LABELS")).toEqual({});
});

test.each([
  ["a name that starts with a dash", "-mode=ctf", 'labels["-mode"]'],
  ["a name longer than 63", `${"n".repeat(64)}=1`, "labels["],
  ["a value with a space", "map=de dust", 'labels["map"]'],
  ["a value longer than 64", `map=${"v".repeat(65)}`, 'labels["map"]'],
  [
    "more than 16 labels",
    Array.from({ length: 17 }, (_, i) => `k${i}=v`).join(","),
    "labels: map must be at most 16 entries",
  ],
])("%s is refused with the setting's name and the rule", (_name, text, violation) => {
  expect(() => parseLabels(text, "GAMESERVER_LABELS")).toThrow(ConfigError);
  expect(() => parseLabels(text, "GAMESERVER_LABELS")).toThrow(`GAMESERVER_LABELS: ${violation}`);
});

test("the Manager listens on loopback unless told otherwise; --insecure-internal stands alone", () => {
  expect(readSettings("up", [], {}).MANAGER_HOST).toBe("127.0.0.1");
  expect(readSettings("manager", [], {}).MANAGER_HOST).toBe("127.0.0.1");
  const flagged = readSettings("manager", ["--insecure-internal", "--manager-port", "1"], {});
  expect(bool(flagged, "INSECURE_INTERNAL")).toBe(true);
  expect(flagged.MANAGER_PORT).toBe(1);
  expect(bool(readSettings("manager", ["--insecure-internal=false"], {}), "INSECURE_INTERNAL")).toBe(false);
  expect(bool(readSettings("manager", [], { INSECURE_INTERNAL: "true" }), "INSECURE_INTERNAL")).toBe(true);
  expect(bool(readSettings("manager", [], {}), "INSECURE_INTERNAL")).toBe(false);
});

test("a game server id follows the region rule: 'X:rooms' is refused at start", () => {
  expect(checkServerId("gs-1.eu_west", "GAMESERVER_ID")).toBe("gs-1.eu_west");
  expect(() => checkServerId("X:rooms", "GAMESERVER_ID")).toThrow(
    "GAMESERVER_ID: server_id: does not match regex pattern `^[A-Za-z0-9_.-]{1,128}$` [server_id]",
  );
});
