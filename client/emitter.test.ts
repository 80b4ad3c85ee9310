import { Emitter } from "./emitter.js";

interface Events {
  num(n: number): void;
  pair(a: string, b: boolean): void;
}

test("calls listeners in order with the arguments, and unsubscribes", () => {
  const e = new Emitter<Events>();
  const seen: string[] = [];
  const off1 = e.on("num", (n) => seen.push(`a${n}`));
  e.on("num", (n) => seen.push(`b${n}`));
  e.on("pair", (a, b) => seen.push(`${a}${b}`));
  e.emit("num", 1);
  e.emit("pair", "x", true);
  off1();
  off1(); // twice is harmless
  e.emit("num", 2);
  expect(seen).toEqual(["a1", "b1", "xtrue", "b2"]);
  expect(e.listenerCount("num")).toBe(1);
});

test("emitting with no listeners is a no-op, even for an error-like event", () => {
  expect(() => new Emitter<{ error(e: Error): void }>().emit("error", new Error("x"))).not.toThrow();
});

test("the same function twice is one listener", () => {
  const e = new Emitter<Events>();
  const f = jest.fn();
  e.on("num", f);
  e.on("num", f);
  e.emit("num", 3);
  expect(f).toHaveBeenCalledTimes(1);
});

test("a listener that unsubscribes another mid-emit does not skip or break the current round", () => {
  const e = new Emitter<Events>();
  const seen: number[] = [];
  let offB = () => {};
  e.on("num", () => {
    seen.push(1);
    offB();
  });
  offB = e.on("num", () => seen.push(2));
  e.emit("num", 0); // both were subscribed when the round started
  e.emit("num", 0);
  expect(seen).toEqual([1, 2, 1]);
});

test("a throwing listener neither stops the others nor throws into the emitter; it surfaces later", async () => {
  const e = new Emitter<Events>();
  const after = jest.fn();
  e.on("num", () => {
    throw new Error("listener bug");
  });
  e.on("num", after);
  const thrown: unknown[] = [];
  const realQueue = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (cb) => {
    try {
      cb();
    } catch (err) {
      thrown.push(err);
    }
  };
  try {
    expect(() => e.emit("num", 7)).not.toThrow();
  } finally {
    globalThis.queueMicrotask = realQueue;
  }
  expect(after).toHaveBeenCalledWith(7);
  expect(thrown).toEqual([new Error("listener bug")]);
});
