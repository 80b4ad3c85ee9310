import { ConfigError, parseLabels } from "./config";

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
