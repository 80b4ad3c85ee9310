// The join-token test vectors of docs/protocol.md, checked against the real implementation, so a
// game server written in another language can trust them.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { toBinary } from "@bufbuild/protobuf";
import { JoinTokenClaimsSchema } from "../gen/roomgate/v1/room_pb.js";
import { JoinTokens, TokenError } from "./token.js";

const doc = readFileSync(resolve(__dirname, "..", "docs", "protocol.md"), "utf8");
const vector = (name: string) => {
  const m = new RegExp(`^${name}:\\s+(\\S+)$`, "m").exec(doc);
  if (!m) throw new Error(`docs/protocol.md has no ${name} vector`);
  return m[1]!;
};
const tokens = new JoinTokens([{ kid: "k1", secret: "test-vector-secret-0123456789abcdef" }]);
const refusal = (token: string, expect: Parameters<JoinTokens["verify"]>[1] = {}) => {
  try {
    tokens.verify(token, expect);
    return "accepted";
  } catch (e) {
    return e instanceof TokenError ? e.reason : String(e);
  }
};

test("the valid vector verifies to the documented claims, for its room and server, until it expires", () => {
  const claims = tokens.verify(vector("valid"), { roomId: "qKr8g7iOBklx-0QEexXTkw", serverId: "gs-1", nowMs: 0 });
  expect(claims).toMatchObject({
    roomId: "qKr8g7iOBklx-0QEexXTkw",
    playerId: "p_ann",
    playerName: "ann",
    serverId: "gs-1",
    expireTimeMs: 4102444800000n,
    sessionStartMs: 1767225600000n,
    rejoin: false,
  });
  expect([...claims.tokenId]).toEqual(Array.from({ length: 16 }, (_, i) => i));
  expect(Buffer.from(toBinary(JoinTokenClaimsSchema, claims)).toString("hex")).toBe(vector("claims-hex"));
  expect(refusal(vector("valid"), { nowMs: 4102444800000 })).toBe("expired");
  expect(refusal(vector("valid"), { roomId: "AAAAAAAAAAAAAAAAAAAAAA", nowMs: 0 })).toBe("wrong_room");
  expect(refusal(vector("valid"), { serverId: "gs-2", nowMs: 0 })).toBe("wrong_server");
});

test("the refused vectors are refused for the documented reasons", () => {
  expect(refusal(vector("bad-mac"), { nowMs: 0 })).toBe("bad_signature");
  expect(refusal(vector("unknown-kid"), { nowMs: 0 })).toBe("unknown_key");
});
