import { create } from "@bufbuild/protobuf";
import { PlayerSchema } from "./gen/roomgate/v1/room_pb.js";
import { playersChange } from "./players.js";

const p = (id: string) => create(PlayerSchema, { id, name: id.toUpperCase() });

test("who came and went while we were away; our old and new ids are not changes", () => {
  const before = [p("me1"), p("a"), p("b")];
  const after = [p("a"), p("c"), p("me2")];
  expect(playersChange(before, "me1", after, "me2")).toEqual({ joined: [p("c")], left: ["b"] });
});

test("our old seat still listed by the server is not a newcomer (its playerLeft comes later)", () => {
  expect(playersChange([p("me1"), p("a")], "me1", [p("me1"), p("a"), p("me2")], "me2")).toEqual({
    joined: [],
    left: [],
  });
});
