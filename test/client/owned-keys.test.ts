import { startCluster } from "../harness/cluster";
import { ErrorCode, RoomgateClient, RoomServerError } from "@roomgate/client";
import { nextEvent, nextState, text, untext } from "../../testkit/sdk-events";

// Owned state keys through the SDK against real processes: another player's change is refused
// as an error event, and neither side's view takes it.

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("sdk-owned", { gateways: 1, gameServers: 1 });
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

test("setState on a key another player owns is a NOT_OWNER error event; the owner's value stands everywhere", async () => {
  const client = new RoomgateClient(env.cluster.gatewayUrl(0));
  const ann = await client.createRoom({ playerName: "ann" });
  const bob = await client.joinRoom(ann.roomId, { playerName: "bob" });
  const seen = nextState(bob, "pos/ann");
  ann.setState("pos/ann", text("1,2"), { owned: true });
  await seen;

  const err = nextEvent(bob, "error");
  bob.setState("pos/ann", text("6,6"));
  const e = (await err) as RoomServerError;
  expect(e).toBeInstanceOf(RoomServerError);
  expect(e.code).toBe(ErrorCode.NOT_OWNER);
  expect(e.message).toBe(`NOT_OWNER: state key pos/ann is owned by player ${ann.playerId}`);
  expect(untext(bob.state.get("pos/ann")!.value)).toBe("1,2");
  expect(bob.connection).toBe("open");

  // The server kept it too: a newcomer's welcome has Ann's value.
  const cy = await client.joinRoom(ann.roomId, { playerName: "cy" });
  expect(cy.state.get("pos/ann")).toEqual({ value: text("1,2"), owner: ann.playerId });
  await Promise.all([ann.leave(), bob.leave(), cy.leave()]);
});
