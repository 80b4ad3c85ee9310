import { defineRoom, roomModuleDefinitions } from "./index.js";

describe("defineRoom and room modules", () => {
  test("a bad definition fails when the module loads, naming the type and the field", () => {
    expect(() => defineRoom({ type: "Dots!" })).toThrow('room type "Dots!": a type is 1 to 48 characters');
    expect(() => defineRoom({ type: "x".repeat(49) })).toThrow("1 to 48 characters");
    expect(() => defineRoom({ type: "relay" })).toThrow('"relay" is the built-in type');
    expect(() => defineRoom({ type: "t", tickHz: 0 })).toThrow("tickHz must be above 0 and at most 1000");
    expect(() => defineRoom({ type: "t", maxPlayers: 1.5 })).toThrow("maxPlayers must be a whole number");
    expect(() => defineRoom({ type: "t", onError: "ignore" as never })).toThrow('onError is "close" or "drop-input"');
    expect(() => defineRoom({ type: "t", timers: { x: 1 as never } })).toThrow("timers.x is not a function");
  });

  test("a module's definitions, from an ES module namespace or its CommonJS build", async () => {
    const a = defineRoom({ type: "a" });
    const b = defineRoom({ type: "b" });
    expect(roomModuleDefinitions({ default: [a, b] }).map((d) => d.type)).toEqual(["a", "b"]);
    expect(roomModuleDefinitions({ default: { __esModule: true, default: [a] } })).toEqual([a]);
    const examples = await import("../examples/cards.js");
    expect(roomModuleDefinitions(examples).map((d) => d.type)).toEqual(["higher"]);
    expect(() => roomModuleDefinitions({ default: a })).toThrow("must be a list of room definitions");
    expect(() => roomModuleDefinitions({ default: [a, a] })).toThrow('room type "a" is defined twice');
    expect(() => roomModuleDefinitions({ default: [a, 7] })).toThrow("not a room definition");
  });
});
