import type { ConnectionState, Player, Room } from "@roomgate/client";
import { ArenaView } from "./arena.js";
import { Controls } from "./controls.js";
import { samePoint, step } from "./motion.js";
import { spawnPosition } from "./player-style.js";
import { decodePosition, encodePosition, type Pos } from "./position-codec.js";
import type { GameUi } from "./demo-ui.js";
import { DirectionSender, direction, type DotsRoom, toView } from "./dots-room.js";

// One room being played: input moves our dot, the room carries positions both ways, the side
// panel shows where the room lives and how the connection is doing.
//
// In a room of the "dots" type the server moves every dot (see dots-room.ts): this page sends
// directions and draws the positions the room sends. In a relay room it is as follows.
//
// Each position is an owned key of the room's shared state, "pos/" + player id: a newcomer, or a
// page that reconnected, finds every dot where it is in its welcome; the server drops a key when
// its player leaves; and the positions travel with the room when it moves to another server.

/** At most 20 position updates a second, well under the server's per-client message limit. */
const SEND_INTERVAL_MS = 50;
const PING_INTERVAL_MS = 2000;
const POS_PREFIX = "pos/";

const posKey = (playerId: string) => POS_PREFIX + playerId;

export interface GameEnd {
  /** True when the player pressed Leave; otherwise the room closed under us. */
  left: boolean;
  error?: Error;
}

export function playRoom(room: Room, ui: GameUi, onEnd: (end: GameEnd) => void): () => void {
  const arena = new ArenaView(ui.arena);
  const controls = new Controls(ui.arena);
  let selfId = room.playerId;
  let pos: Pos = spawnPosition(selfId);
  let lastSent: Pos | undefined;
  let lastSentAt = 0;
  let frame = 0;
  let lastFrameAt = performance.now();
  let ended = false;
  let leaving = false;
  const dots = room.roomType === "dots" ? (room as unknown as DotsRoom) : undefined;
  const sender = dots && new DirectionSender(dots);
  /** Where the room says a player is (dots rooms), as drawn. */
  const fromRoom = (id: string): Pos | undefined => {
    const d = dots?.view?.dots[id];
    return d && toView(d);
  };

  const trySend = (fn: () => void) => {
    // The SDK refuses to send while reconnecting; a lost position is replaced by the next one.
    if (room.connection === "open") fn();
  };

  /**
   * Where the room says a player is. A dots room's word is the only one: until its state has the
   * player's dot, the dot is not drawn (a guess drawn first would jump, and a test once read it as
   * a teleport). Elsewhere players say where they are, and until they have said, where they spawn.
   */
  const positionOf = (id: string): Pos | undefined => {
    if (dots) return fromRoom(id);
    const v = room.state.get(posKey(id));
    return (v && decodePosition(v.value)) ?? spawnPosition(id);
  };
  const draw = (p: Player, at: Pos | undefined) => {
    if (at) arena.upsert(p.id, p.name, at, p.id === selfId);
  };

  const seat = (players: readonly Player[]) => {
    arena.clear();
    for (const p of players) draw(p, p.id === selfId ? (fromRoom(p.id) ?? pos) : positionOf(p.id));
    ui.setPlayers(players, selfId);
  };

  const loop = (now: number) => {
    const dt = (now - lastFrameAt) / 1000;
    lastFrameAt = now;
    if (sender) {
      const want = direction(fromRoom(selfId), controls.intent());
      if (want.arrived) controls.arrived();
      sender.send(want.dx, want.dy);
      arena.showTarget(controls.heading);
      arena.frame(dt);
      frame = requestAnimationFrame(loop);
      return;
    }
    const next = step(pos, controls.intent(), dt);
    if (!next.target) controls.arrived();
    pos = next.pos;
    arena.moveSelf(selfId, pos);
    arena.showTarget(next.target);
    arena.frame(dt);
    if (now - lastSentAt >= SEND_INTERVAL_MS && !samePoint(lastSent, pos)) {
      trySend(() => {
        room.setState(posKey(selfId), encodePosition(pos), { owned: true });
        lastSent = { ...pos };
        lastSentAt = now;
      });
    }
    frame = requestAnimationFrame(loop);
  };

  const ping = () => {
    if (room.connection !== "open") return;
    room.ping().then(
      (ms) => ui.setRtt(ms),
      () => ui.setRtt(undefined),
    );
  };

  const offs = [
    room.on("welcome", (w) => {
      // A reconnect (normally as the same player, possibly on another server): everyone's dot
      // from the welcome's state, and ours sent again at once.
      if (w.playerId !== selfId) pos = spawnPosition(w.playerId);
      selfId = w.playerId;
      lastSent = undefined;
      sender?.forget();
      seat(room.players);
      ui.setRoom(room);
    }),
    room.on("playerJoined", (p) => {
      draw(p, positionOf(p.id));
      ui.setPlayers(room.players, selfId);
    }),
    room.on("playerLeft", (id) => {
      arena.remove(id);
      ui.setPlayers(room.players, selfId);
    }),
    room.on("state", (key, value) => {
      if (!key.startsWith(POS_PREFIX) || !value) return;
      const id = key.slice(POS_PREFIX.length);
      const p = decodePosition(value);
      if (p && id !== selfId) arena.moveRemote(id, p);
    }),
    room.on("change", () => {
      for (const p of room.players) {
        const at = fromRoom(p.id);
        if (!at) continue;
        if (arena.has(p.id)) arena.moveRemote(p.id, at);
        else draw(p, at);
      }
    }),
    room.on("connection", (s: ConnectionState) => {
      ui.setState(s);
      if (s !== "open") ui.setRtt(undefined);
      // Failed attempts while reconnecting are history once the room is back.
      else ui.clearNotice();
    }),
    room.on("error", (e) => ui.notice(e.message)),
    room.on("closed", (info) => finish(leaving ? { left: true } : { left: false, error: info.error })),
  ];

  const pinger = setInterval(ping, PING_INTERVAL_MS);
  // Closing the tab should free the seat now, not when the server notices the socket is gone.
  const onPageHide = () => leave();
  window.addEventListener("pagehide", onPageHide);

  function finish(end: GameEnd) {
    if (ended) return;
    ended = true;
    cancelAnimationFrame(frame);
    clearInterval(pinger);
    window.removeEventListener("pagehide", onPageHide);
    for (const off of offs) off();
    controls.dispose();
    arena.dispose();
    onEnd(end);
  }

  ui.setRoom(room);
  ui.setState(room.connection);
  const leave = () => {
    leaving = true;
    void room.leave().then(() => finish({ left: true }));
  };
  ui.onLeave(leave);
  seat(room.players);
  ping();
  frame = requestAnimationFrame(loop);
  ui.arena.focus({ preventScroll: true });

  return leave;
}
