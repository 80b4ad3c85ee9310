import { EventOrder } from "./event-order.js";

// One room's events in order, rooms side by side, whole-server messages as barriers.

/** A piece of work the test finishes by hand, recording when it started and ended. */
function step(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    run: async () => {
      log.push(`${name} start`);
      await done;
      log.push(`${name} end`);
    },
    finish,
  };
}

const flush = () => new Promise((r) => setImmediate(r));

test("a room's events run one after another; another room's do not wait for them", async () => {
  const log: string[] = [];
  const order = new EventOrder(() => {});
  const a1 = step(log, "a1");
  const a2 = step(log, "a2");
  const b1 = step(log, "b1");
  order.room("a", a1.run);
  order.room("a", a2.run);
  order.room("b", b1.run);
  await flush();
  expect(log).toEqual(["a1 start", "b1 start"]);
  b1.finish();
  await flush();
  expect(log).toEqual(["a1 start", "b1 start", "b1 end"]);
  a1.finish();
  await flush();
  expect(log).toEqual(["a1 start", "b1 start", "b1 end", "a1 end", "a2 start"]);
  a2.finish();
  await flush();
  expect(order.busyRooms).toBe(0);
});

test("a server message waits for every room's events before it, and every event after waits for it", async () => {
  const log: string[] = [];
  const order = new EventOrder(() => {});
  const a = step(log, "a");
  const b = step(log, "b");
  const drain = step(log, "drain");
  const c = step(log, "c");
  order.room("a", a.run);
  order.room("b", b.run);
  order.server(drain.run);
  order.room("c", c.run);
  await flush();
  expect(log).toEqual(["a start", "b start"]);
  a.finish();
  await flush();
  expect(log).not.toContain("drain start");
  b.finish();
  await flush();
  expect(log.slice(-2)).toEqual(["b end", "drain start"]);
  drain.finish();
  await flush();
  expect(log.slice(-2)).toEqual(["drain end", "c start"]);
  c.finish();
});

test("a failing event is reported, and the room's next event runs anyway", async () => {
  const failures: unknown[] = [];
  const order = new EventOrder((e) => failures.push(e));
  const ran: string[] = [];
  order.room("a", async () => {
    throw new Error("store down");
  });
  order.room("a", async () => {
    ran.push("next");
  });
  await flush();
  expect(failures).toEqual([new Error("store down")]);
  expect(ran).toEqual(["next"]);
});
