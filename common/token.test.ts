import { JoinTokens, TokenError } from "./token";

const tokens = new JoinTokens("a-secret-of-enough-bytes");
const claims = { roomId: "r".repeat(22), playerId: "p_1", serverId: "gs-1", playerName: "ann", expireTimeMs: 10_000 };

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof TokenError) return e.reason;
    throw e;
  }
  return "accepted";
}

test("a signed token verifies and carries its claims", () => {
  const t = tokens.sign(claims);
  const got = tokens.verify(t, { roomId: claims.roomId, serverId: "gs-1", nowMs: 9_999 });
  expect(got).toMatchObject({ roomId: claims.roomId, playerId: "p_1", serverId: "gs-1", playerName: "ann" });
  expect(Number(got.expireTimeMs)).toBe(10_000);
});

test("expired, other-room, other-server, forged and garbage tokens are refused", () => {
  const t = tokens.sign(claims);
  expect(reason(() => tokens.verify(t, { nowMs: 10_000 }))).toBe("expired");
  expect(reason(() => tokens.verify(t, { roomId: "x".repeat(22), nowMs: 0 }))).toBe("wrong_room");
  expect(reason(() => tokens.verify(t, { serverId: "gs-2", nowMs: 0 }))).toBe("wrong_server");
  expect(reason(() => new JoinTokens("another-secret-of-bytes").verify(t, { nowMs: 0 }))).toBe("bad_signature");
  const [body, sig] = t.split(".");
  const tampered = Buffer.from(body!, "base64url");
  tampered[tampered.length - 1] ^= 1;
  expect(reason(() => tokens.verify(`${tampered.toString("base64url")}.${sig}`, { nowMs: 0 }))).toBe("bad_signature");
  for (const junk of ["", "abc", "a.b.c", ".x", "x".repeat(5000)])
    expect(reason(() => tokens.verify(junk, { nowMs: 0 }))).not.toBe("accepted");
});

test("a short secret is refused at start", () => {
  expect(() => new JoinTokens("short")).toThrow(/at least 16 bytes/);
});
