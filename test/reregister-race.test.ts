import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb";
import { newRoomId } from "../common/ids";
import { event, send, useScriptedManager } from "./harness/scripted-manager";

// Issue 11 (chaos, "SIGKILL a Manager": a created room was gone before its creator connected).
// A game server re-registering with a new Manager may be given a room before the Manager's answer
// to the registration arrives: the Manager holds the stream at once, and places rooms on the
// server while it reconciles. The answer lists the rooms it keeps of those the registration
// named; it must not close the room opened after the registration left. A scripted Manager here
// sends exactly that order.

const scripted = useScriptedManager();

test("a room opened between a re-registration and its answer stays; announced rooms the answer drops close", async () => {
  // Not awaited yet: the server may say it is ready only once registered, which this test answers.
  const { streams, starting } = await scripted.start("gs-race");

  // First life: nothing announced. A room is opened before the answer, which keeps nothing.
  const first = await streams.next();
  const reg = await streams.message(first, (m) => m.msg.case === "register", "registration");
  expect(reg.msg.case === "register" && reg.msg.value.roomIds).toEqual([]);
  const early = newRoomId();
  send(first, { case: "openRoom", value: { roomId: early, maxPlayers: 2, firstJoinTimeoutMs: 30_000 } });
  await streams.message(first, event(early, "opened"), "opened event");
  send(first, { case: "registered", value: { roomIds: [] } });
  // The server reports once it has handled the answer (and retained its rooms).
  await streams.message(first, (m) => m.msg.case === "load", "first load report");
  expect(streams.messages.get(first)!.filter(event(early, "closed"))).toEqual([]);

  await starting;

  // Second life: the room is announced; an answer that no longer maps it here closes it.
  first.end();
  const second = await streams.next();
  const again = await streams.message(second, (m) => m.msg.case === "register", "second registration");
  expect(again.msg.case === "register" && again.msg.value.roomIds).toEqual([early]);
  send(second, { case: "registered", value: { roomIds: [] } });
  const closed = await streams.message(second, event(early, "closed"), "closed event");
  expect(
    closed.msg.case === "roomEvent" && closed.msg.value.event.case === "closed" && closed.msg.value.event.value.reason,
  ).toBe(RoomCloseReason.CLOSED_BY_MANAGER);
}, 60_000);
