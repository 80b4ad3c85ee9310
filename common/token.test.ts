import fc from "fast-check";
import { JoinTokens, parseSigningKeys, TokenError } from "./token";

const tokens = new JoinTokens("a-secret-of-enough-bytes");
const claims = {
  roomId: "r".repeat(22),
  playerId: "p_1",
  serverId: "gs-1",
  playerName: "ann",
  expireTimeMs: 10_000,
  sessionStartMs: 5_000,
};

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof TokenError) return e.reason;
    throw e;
  }
  return "accepted";
}

test("a signed token verifies and carries its claims, a key id and an id of its own", () => {
  const t = tokens.sign({ ...claims, rejoin: true, playerClaims: { sub: "u1", roles: ["a"] } });
  expect(t.split(".")[0]).toBe("default");
  const got = tokens.verify(t, { roomId: claims.roomId, serverId: "gs-1", nowMs: 9_999 });
  expect(got).toMatchObject({ roomId: claims.roomId, playerId: "p_1", serverId: "gs-1", playerName: "ann" });
  expect(Number(got.expireTimeMs)).toBe(10_000);
  expect(Number(got.sessionStartMs)).toBe(5_000);
  expect(got.rejoin).toBe(true);
  expect(got.playerClaims).toEqual({ sub: "u1", roles: ["a"] });
  expect(got.tokenId).toHaveLength(16);
  const other = tokens.verify(tokens.sign(claims), { nowMs: 0 });
  expect(Buffer.from(other.tokenId).equals(Buffer.from(got.tokenId))).toBe(false);
  expect(other.rejoin).toBe(false);
  expect(other.playerClaims).toBeUndefined();
});

test("expired, other-room, other-server, forged and garbage tokens are refused", () => {
  const t = tokens.sign(claims);
  expect(reason(() => tokens.verify(t, { nowMs: 10_000 }))).toBe("expired");
  expect(reason(() => tokens.verify(t, { roomId: "x".repeat(22), nowMs: 0 }))).toBe("wrong_room");
  expect(reason(() => tokens.verify(t, { serverId: "gs-2", nowMs: 0 }))).toBe("wrong_server");
  expect(reason(() => new JoinTokens("another-secret-of-bytes").verify(t, { nowMs: 0 }))).toBe("bad_signature");
  const [kid, body, sig] = t.split(".");
  const tampered = Buffer.from(body!, "base64url");
  tampered[tampered.length - 1] ^= 1;
  expect(reason(() => tokens.verify(`${kid}.${tampered.toString("base64url")}.${sig}`, { nowMs: 0 }))).toBe(
    "bad_signature",
  );
  // A token of the old two-part format, or with a key id nobody configured.
  expect(reason(() => tokens.verify(`${body}.${sig}`, { nowMs: 0 }))).toBe("malformed");
  expect(reason(() => tokens.verify(`nobody.${body}.${sig}`, { nowMs: 0 }))).toBe("unknown_key");
  for (const junk of ["", "abc", "a.b.c", ".x", "a..b", "x".repeat(5000)])
    expect(reason(() => tokens.verify(junk, { nowMs: 0 }))).not.toBe("accepted");
});

test("rotation: the first secret signs, every listed one verifies, a removed one is refused", () => {
  const old = { kid: "k2026a", secret: "the-old-secret-bytes" };
  const next = { kid: "k2026b", secret: "the-new-secret-bytes" };
  const before = new JoinTokens([old]);
  const adding = new JoinTokens([old, next]); // step 1: every component knows the new secret
  const switched = new JoinTokens([next, old]); // step 2: the new one signs
  const after = new JoinTokens([next]); // step 3: the old one is gone
  const oldToken = before.sign(claims);
  expect(adding.signingKid).toBe("k2026a");
  expect(switched.signingKid).toBe("k2026b");
  for (const t of [adding, switched]) expect(reason(() => t.verify(oldToken, { nowMs: 0 }))).toBe("accepted");
  const newToken = switched.sign(claims);
  expect(newToken.startsWith("k2026b.")).toBe(true);
  expect(reason(() => adding.verify(newToken, { nowMs: 0 }))).toBe("accepted");
  expect(reason(() => before.verify(newToken, { nowMs: 0 }))).toBe("unknown_key");
  expect(reason(() => after.verify(oldToken, { nowMs: 0 }))).toBe("unknown_key");
  // A token's key id cannot be swapped for another listed one: the MAC covers it.
  const [, body, sig] = oldToken.split(".");
  expect(reason(() => adding.verify(`k2026b.${body}.${sig}`, { nowMs: 0 }))).toBe("bad_signature");
});

test("JOIN_TOKEN_SECRETS parses kid:secret pairs in order and refuses bad ones", () => {
  expect(parseSigningKeys(" a:0123456789abcdef , b:x:y-0123456789abcdef")).toEqual([
    { kid: "a", secret: "0123456789abcdef" },
    { kid: "b", secret: "x:y-0123456789abcdef" },
  ]);
  expect(() => parseSigningKeys("")).toThrow(/no secret/);
  expect(() => parseSigningKeys("nocolon")).toThrow(/kid:secret/);
  expect(() => new JoinTokens(parseSigningKeys("a b:0123456789abcdef"))).toThrow(/key id/);
  expect(() => new JoinTokens(parseSigningKeys("a:0123456789abcdef,a:0123456789abcdeg"))).toThrow(/twice/);
  expect(() => new JoinTokens(parseSigningKeys("a:short"))).toThrow(/at least 16 bytes/);
});

test("a short secret is refused at start", () => {
  expect(() => new JoinTokens("short")).toThrow(/at least 16 bytes/);
});

test("a token is malformed exactly when it is not three non-empty parts joined by dots", () => {
  // The rule as it reads: split on every dot. verify finds the parts by hand (token.ts).
  const malformed = (s: string) => {
    const parts = s.split(".");
    return s.length === 0 || parts.length !== 3 || parts.some((p) => p.length === 0);
  };
  const real = tokens.sign(claims);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.stringMatching(/^[a-z.]{0,12}$/),
        fc.stringMatching(/^(default)?[.A-Za-z0-9_-]{0,40}$/),
        fc
          .tuple(fc.nat(real.length), fc.constantFrom("", ".", "..", "x"))
          .map(([at, put]) => real.slice(0, at) + put + real.slice(at + 1)),
      ),
      (s) => {
        expect(reason(() => tokens.verify(s, { nowMs: 0 })) === "malformed").toBe(malformed(s));
      },
    ),
    { numRuns: 2000 },
  );
});
