import type { AttachRequest } from "../gen/roomgate/v1/manager_pb";
import { newRoomId } from "../common/ids";
import { event, send, type Stream, useScriptedManager } from "./harness/scripted-manager";

// Chaos (SIGKILL a Redis Cluster master, then a drain): a server fenced a room a move had just
// opened there, registered again without it, and the move then finished in the store: the room
// was recorded on a server that did not run it. A fencing server names the rooms it stopped in
// every registration until one is answered (Register.fenced_room_ids), so the Manager can take
// such a room off it (manager/reconcile.ts). A scripted Manager here never answers a report.

const scripted = useScriptedManager();

type RegisterMsg = Extract<AttachRequest["msg"], { case: "register" }>;
type Register = RegisterMsg["value"];

test("a fenced server names the rooms it stopped in each registration until one is answered", async () => {
  const { streams, starting } = await scripted.start("gs-fence");
  const registration = async (s: Stream): Promise<Register> => {
    const m = await streams.message(s, (x) => x.msg.case === "register", "registration");
    return (m.msg as RegisterMsg).value;
  };

  // Registered with a one-second lease, and given a room; no report is ever answered.
  const first = await streams.next();
  expect((await registration(first)).fencedRoomIds).toEqual([]);
  const roomId = newRoomId();
  send(first, { case: "openRoom", value: { roomId, maxPlayers: 2, firstJoinTimeoutMs: 30_000 } });
  await streams.message(first, event(roomId, "opened"), "opened event");
  send(first, { case: "registered", value: { roomIds: [], fenceMs: 1000, heartbeatIntervalMs: 200 } });
  await starting;

  // Unanswered, it leaves for "another" Manager (this one again), still running the room; once the
  // lease is gone it fences, and registers again naming the room as fenced, no longer as its own.
  let fenced: { s: Stream; reg: Register } | undefined;
  for (let i = 0; i < 10 && !fenced; i++) {
    const s = await streams.next();
    const reg = await registration(s);
    if (reg.fencedRoomIds.length > 0) fenced = { s, reg };
    else expect(reg.roomIds).toEqual([roomId]);
  }
  expect(fenced?.reg).toMatchObject({ roomIds: [], fencedRoomIds: [roomId] });

  // Not answered (its stream ends): the next registration still names it.
  fenced!.s.end();
  const again = await streams.next();
  expect(await registration(again)).toMatchObject({ fencedRoomIds: [roomId] });
  // Answered (fencing off now): the one after names nothing.
  send(again, { case: "registered", value: { roomIds: [], fenceMs: 0, heartbeatIntervalMs: 200 } });
  await streams.message(again, (m) => m.msg.case === "load", "first load report");
  again.end();
  expect(await registration(await streams.next())).toMatchObject({ roomIds: [], fencedRoomIds: [] });
}, 20_000);
