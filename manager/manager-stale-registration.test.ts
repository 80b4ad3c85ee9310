import { RoomState } from "../gen/roomgate/v1/common_pb";
import {
  FakeServer,
  holdStoreCalls,
  manager,
  request,
  settle,
  store,
  useManagerCore,
} from "../test/harness/manager-core";

// Chaos (SIGKILL a Redis Cluster master): a server's registration waited in the store outage; the
// server left that stream for another Manager, registered there, and was given a room. The first
// registration then went through and was reconciled against its stale room list: the new room,
// mapped to the server but not in that list, was handed over and moved while the server still ran
// it (a room on two servers). A registration whose stream ended before the store answered is
// recorded (the server registers again anyway) but not reconciled.

useManagerCore();

test("a registration the store answers after its stream ended moves none of the server's rooms", async () => {
  new FakeServer(manager, "a");
  await settle();
  const { room } = await manager.allocate(request());
  expect(room.serverId).toBe("a");

  // A registration naming no rooms (sent before this room was opened there) waits in the store...
  const release = holdStoreCalls("registerServer");
  const stale = new FakeServer(manager, "a", "eu", 10, []);
  await settle();
  // ...while the server leaves that stream; then the store answers.
  stale.handler.onEnd();
  release();
  await settle();

  expect(stale.sent.filter((m) => m.msg.case === "registered")).toEqual([]);
  expect(await store.getRoom(room.roomId)).toMatchObject({ serverId: "a", state: RoomState.OPEN });
});
