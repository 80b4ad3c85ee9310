import fc from "fast-check";
import { defineRoom, type WireValue } from "./index.js";
import { testRoom } from "./testing.js";

// A room where each player has a secret and the rest is public; players come and go and the
// room changes both parts at random. Every player's copy, built only from its frames, is always
// exactly its view, and no frame to a player ever carries another player's secret.

type S = { board: Record<string, number>; secrets: Record<string, string> };
type View = { board: Record<string, number>; mine: string | null; count: number };
type Input = { set?: [string, number]; secret?: string };

const room = defineRoom<S, Input, WireValue, View>({
  type: "secrets",
  maxPlayers: 8,
  initialState: () => ({ board: {}, secrets: {} }),
  visibility: (s, p) => ({ board: s.board, mine: s.secrets[p.id] ?? null, count: Object.keys(s.secrets).length }),
  onMessage(ctx, p, m) {
    if (m.set) ctx.state.board[m.set[0]] = m.set[1];
    if (m.secret) ctx.state.secrets[p.id] = m.secret;
  },
  onLeave(ctx, p) {
    delete ctx.state.secrets[p.id];
  },
});

const op = fc.oneof(
  fc.record({ kind: fc.constant("join" as const), who: fc.nat(4) }),
  fc.record({ kind: fc.constant("leave" as const), who: fc.nat(4) }),
  fc.record({
    kind: fc.constant("set" as const),
    who: fc.nat(4),
    key: fc.constantFrom("a", "b", "c"),
    value: fc.integer(),
  }),
  fc.record({ kind: fc.constant("secret" as const), who: fc.nat(4), n: fc.nat(1000) }),
);

const utf8 = new TextEncoder();
function contains(frame: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= frame.length; i++) {
    for (let j = 0; j < needle.length; j++) if (frame[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

test("every copy equals its player's view, and no frame carries another's secret", () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const r = testRoom(room);
      const secretsOf = new Map<string, Set<string>>();
      for (const o of ops) {
        const id = `p${o.who}`;
        const p = r.players.get(id);
        const inRoom = p !== undefined && !p.left;
        if (o.kind === "join" && !inRoom) r.join({ id, name: id });
        if (o.kind === "leave" && inRoom) p.leave();
        if (o.kind === "set" && inRoom) p.send({ set: [o.key, o.value] });
        if (o.kind === "secret" && inRoom) {
          const secret = `secret-${id}-${o.n}`;
          if (!secretsOf.has(id)) secretsOf.set(id, new Set());
          secretsOf.get(id)!.add(secret);
          p.send({ secret });
        }
        for (const q of r.players.values()) {
          if (q.left) continue;
          expect(q.state).toEqual(room.visibility!(r.state, { id: q.id, name: q.name, claims: {} }));
        }
      }
      for (const q of r.players.values()) {
        for (const [owner, secrets] of secretsOf) {
          if (owner === q.id) continue;
          for (const s of secrets) expect(q.frames.some((f) => contains(f, utf8.encode(s)))).toBe(false);
        }
      }
    }),
    { numRuns: 200, seed: 42 },
  );
});
