import { readFileSync } from "node:fs";
import { join } from "node:path";
import { JoinTokens, type SigningKey, TokenError, type TokenFailure, type TokenInput } from "./token";

// The join-token vectors that docs/protocol.md publishes for game servers written in other
// languages, checked against the real implementation both ways: signing the claims gives exactly
// the published token, and verifying each token gives its claims or the published refusal. The
// worked example in the document itself is checked too, so neither can drift from the code.

interface Claims {
  roomId: string;
  playerId: string;
  serverId: string;
  playerName: string;
  expireTimeMs: number;
  sessionStartMs: number;
  tokenIdHex: string;
  rejoin: boolean;
  playerClaims?: TokenInput["playerClaims"];
}
interface Expect {
  roomId: string;
  serverId: string;
  nowMs: number;
}
interface Valid {
  name: string;
  signedWith: string;
  verifiedWith: string[];
  claims: Claims;
  verify: Expect;
  claimsHex: string;
  signedPart: string;
  macHex: string;
  token: string;
}
interface Invalid {
  name: string;
  token: string;
  verifiedWith: string;
  verify: Expect;
  reason: string;
}

const docs = join(__dirname, "..", "docs");
const vectors = JSON.parse(readFileSync(join(docs, "vectors", "join-tokens.json"), "utf8")) as {
  keySets: Record<string, SigningKey[]>;
  valid: Valid[];
  invalid: Invalid[];
};
const tokensOf = (set: string) => new JoinTokens(vectors.keySets[set]!);
const input = (c: Claims): TokenInput => ({ ...c, tokenId: Buffer.from(c.tokenIdHex, "hex") });

test("the vectors cover every refusal a verifier can give", () => {
  expect(new Set(vectors.invalid.map((v) => v.reason))).toEqual(
    new Set(["malformed", "unknown_key", "bad_signature", "expired", "wrong_room", "wrong_server"]),
  );
});

describe.each(vectors.valid.map((v) => [v.name, v] as const))("valid: %s", (_name, v) => {
  test("signing the claims gives exactly the published token, byte by byte", () => {
    const [kid, claimsPart, macPart] = v.token.split(".") as [string, string, string];
    expect(kid).toBe(vectors.keySets[v.signedWith]![0]!.kid);
    expect(Buffer.from(claimsPart, "base64url").toString("hex")).toBe(v.claimsHex);
    expect(v.signedPart).toBe(`${kid}.${claimsPart}`);
    expect(Buffer.from(macPart, "base64url").toString("hex")).toBe(v.macHex);
    expect(tokensOf(v.signedWith).sign(input(v.claims))).toBe(v.token);
  });

  test.each(v.verifiedWith)("verifying with key set %s gives the claims", (set) => {
    const got = tokensOf(set).verify(v.token, v.verify);
    const c = v.claims;
    expect(got).toMatchObject({
      roomId: c.roomId,
      playerId: c.playerId,
      serverId: c.serverId,
      playerName: c.playerName,
      expireTimeMs: BigInt(c.expireTimeMs),
      sessionStartMs: BigInt(c.sessionStartMs),
      rejoin: c.rejoin,
    });
    expect(Buffer.from(got.tokenId).toString("hex")).toBe(c.tokenIdHex);
    expect(got.playerClaims).toEqual(c.playerClaims);
  });
});

test.each(vectors.invalid.map((v) => [v.name, v] as const))("invalid: %s", (_name, v) => {
  const attempt = () => tokensOf(v.verifiedWith).verify(v.token, v.verify);
  expect(attempt).toThrow(TokenError);
  // The message names the reason (TokenError): the same reason, not merely a refusal.
  expect(attempt).toThrow(new TokenError(v.reason as TokenFailure).message);
});

test("the worked example in docs/protocol.md is the first vector", () => {
  const doc = readFileSync(join(docs, "protocol.md"), "utf8");
  const example = /```text worked-example\n([\s\S]*?)```/.exec(doc)?.[1];
  expect(example).toBeDefined();
  const field = (name: string) => new RegExp(`^${name} += (.+)$`, "m").exec(example!)?.[1]?.trim();
  const v = vectors.valid[0]!;
  const [key] = vectors.keySets[v.signedWith]!;
  expect(field("kid")).toBe(key!.kid);
  expect(field("secret")).toBe(key!.secret);
  expect(field("claims \\(hex\\)")).toBe(v.claimsHex);
  expect(field("signed part")).toBe(v.signedPart);
  expect(field("MAC \\(hex\\)")).toBe(v.macHex);
  expect(field("token")).toBe(v.token);
});
