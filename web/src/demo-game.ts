import type { ConnectionState, Player, Room } from "../../client/index.js";
import { ArenaView } from "./arena.js";
import { Controls } from "./controls.js";
import { samePoint, step } from "./motion.js";
import { spawnPosition } from "./player-style.js";
import { decodePosition, encodePosition, type Pos } from "./position-codec.js";
import type { GameUi } from "./demo-ui.js";

// One room being played: input moves our dot, the room carries positions both ways, the side
// panel shows where the room lives and how the connection is doing.

/** At most 20 position updates a second, well under the server's per-client message limit. */
const SEND_INTERVAL_MS = 50;
const PING_INTERVAL_MS = 2000;

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

  const trySend = (fn: () => void) => {
    // The SDK refuses to send while reconnecting; a lost position is replaced by the next one.
    if (room.state === "open") fn();
  };

  const seat = (players: readonly Player[]) => {
    arena.clear();
    for (const p of players) arena.upsert(p.id, p.name, p.id === selfId ? pos : spawnPosition(p.id), p.id === selfId);
    ui.setPlayers(players, selfId);
  };

  const loop = (now: number) => {
    const dt = (now - lastFrameAt) / 1000;
    lastFrameAt = now;
    const next = step(pos, controls.intent(), dt);
    if (!next.target) controls.arrived();
    pos = next.pos;
    arena.moveSelf(selfId, pos);
    arena.showTarget(next.target);
    arena.frame(dt);
    if (now - lastSentAt >= SEND_INTERVAL_MS && !samePoint(lastSent, pos)) {
      trySend(() => {
        room.broadcast(encodePosition(pos));
        lastSent = { ...pos };
        lastSentAt = now;
      });
    }
    frame = requestAnimationFrame(loop);
  };

  const ping = () => {
    if (room.state !== "open") return;
    room.ping().then(
      (ms) => ui.setRtt(ms),
      () => ui.setRtt(undefined),
    );
  };

  const offs = [
    room.on("welcome", (w) => {
      // A reconnect: the server gave us a new seat (and id); others will hear of it as a join.
      selfId = w.playerId;
      lastSent = undefined;
      seat(room.players);
      ui.setRoom(room);
    }),
    room.on("playerJoined", (p) => {
      arena.upsert(p.id, p.name, spawnPosition(p.id));
      ui.setPlayers(room.players, selfId);
      // Positions are only sent on change: tell the newcomer where we stand.
      trySend(() => room.send(p.id, encodePosition(pos)));
    }),
    room.on("playerLeft", (id) => {
      arena.remove(id);
      ui.setPlayers(room.players, selfId);
    }),
    room.on("message", (m) => {
      const p = decodePosition(m.payload);
      if (p) arena.moveRemote(m.fromPlayerId, p);
    }),
    room.on("state", (s: ConnectionState) => {
      ui.setState(s);
      if (s !== "open") ui.setRtt(undefined);
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
  ui.setState(room.state);
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
