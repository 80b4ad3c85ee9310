import type { AttachResponse } from "../gen/roomgate/v1/manager_pb.js";
import {
  FakeServer,
  holdStoreCalls,
  manager,
  newManager,
  REPORT_MS,
  settle,
  store,
  useManagerCore,
} from "../test/harness/manager-core";

// The Manager's side of fencing (docs/protocol.md, Fencing): the lease it tells at registration,
// and report answers that come only once the store recorded the report, or say the store is down.

useManagerCore();

const answers = (s: FakeServer) =>
  s.sent.flatMap((m: AttachResponse) => (m.msg.case === "reportAnswer" ? [m.msg.value] : []));

function report(s: FakeServer, sequence: number) {
  s.msg({ case: "load", value: { players: 0, rooms: 0, sequence } });
}

test("registered tells the lease (deadline less the margin) and a heartbeat of at most half of it", async () => {
  const m = await newManager("m2", { fenceMarginMs: 500 });
  const a = new FakeServer(m, "a");
  const off = new FakeServer(manager, "off"); // m1: fencing off
  await settle();
  const registered = (s: FakeServer) => s.sent.find((x) => x.msg.case === "registered")!.msg.value as never;
  expect(registered(a)).toMatchObject({ fenceMs: 3 * REPORT_MS - 500, heartbeatIntervalMs: 1250 });
  expect(registered(off)).toMatchObject({ fenceMs: 0, heartbeatIntervalMs: 2 * REPORT_MS });
  report(off, 1);
  await settle();
  expect(answers(off)).toEqual([]);
});

test("a report is answered only once the store recorded it", async () => {
  const m = await newManager("m2", { fenceMarginMs: 500 });
  const a = new FakeServer(m, "a");
  await settle();
  const release = holdStoreCalls("recordLoads");
  report(a, 7);
  await settle();
  expect(answers(a)).toEqual([]);
  release();
  await settle();
  expect(answers(a)).toMatchObject([{ sequence: 7, storeDown: false }]);
});

test("a report the store could not record is answered store_down; so is one while the store is known down", async () => {
  let reachable = true;
  const m = await newManager("m2", { fenceMarginMs: 500, storeReachable: () => reachable });
  const a = new FakeServer(m, "a");
  await settle();
  let calls = 0;
  store.recordLoads = async () => {
    calls++;
    throw new Error("store unavailable");
  };
  report(a, 1);
  await settle();
  expect(answers(a)).toMatchObject([{ sequence: 1, storeDown: true }]);
  reachable = false;
  report(a, 2);
  await settle();
  expect(answers(a)).toMatchObject([{ sequence: 1 }, { sequence: 2, storeDown: true }]);
  expect(calls).toBe(1);
});

test("a registration the store could not record is answered store_down (sequence 0) before the stream ends", async () => {
  const m = await newManager("m2", { fenceMarginMs: 500 });
  store.registerServer = async () => {
    throw new Error("store unavailable");
  };
  const a = new FakeServer(m, "a");
  await settle();
  expect(answers(a)).toMatchObject([{ sequence: 0, storeDown: true }]);
  expect(a.closedWith).toMatch(/registration failed/);
});
