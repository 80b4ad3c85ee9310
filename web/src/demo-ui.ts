import type { ConnectionState, Player, Room } from "@roomgate/client";
import { byTestId, h, replaceChildren, setText } from "./dom.js";
import { formatMs } from "./format.js";
import { playerColor } from "./player-style.js";
import { copyText, shareLink } from "./share.js";

// The demo page's widgets, found once by their data-testid and updated by the game and lobby.

const STATE_LABEL: Record<ConnectionState | "idle", string> = {
  idle: "not in a room",
  connecting: "connecting",
  open: "connected",
  reconnecting: "reconnecting",
  closed: "disconnected",
};

export class GameUi {
  readonly section = byTestId("game");
  readonly arena = byTestId("arena");
  private readonly roomId = byTestId("room-id");
  private readonly link = byTestId<HTMLInputElement>("share-link");
  private readonly copy = byTestId<HTMLButtonElement>("copy-link");
  private readonly leave = byTestId<HTMLButtonElement>("leave-room");
  private readonly rtt = byTestId("rtt");
  private readonly region = byTestId("region");
  private readonly serverId = byTestId("server-id");
  private readonly serverAddress = byTestId("server-address");
  private readonly players = byTestId("players");
  private readonly playerCount = byTestId("player-count");
  private readonly state = byTestId("state");
  private readonly toast = byTestId("notice");
  private leaveHandler: (() => void) | undefined;
  private toastTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.copy.addEventListener("click", async () => {
      const ok = await copyText(this.link.value, this.link);
      this.flashCopy(ok ? "Copied" : "Select & copy");
    });
    this.link.addEventListener("focus", () => this.link.select());
    this.leave.addEventListener("click", () => this.leaveHandler?.());
  }

  show(visible: boolean) {
    this.section.hidden = !visible;
  }

  onLeave(fn: () => void) {
    this.leaveHandler = fn;
  }

  setRoom(room: Room) {
    setText(this.roomId, room.roomId);
    this.link.value = shareLink(room.roomId);
    setText(this.region, room.region || "–");
    setText(this.serverId, room.serverId || "–");
    setText(this.serverAddress, room.serverAddress);
  }

  setState(s: ConnectionState | "idle") {
    this.state.hidden = s === "idle";
    this.state.dataset.state = s;
    setText(this.state, STATE_LABEL[s]);
  }

  setRtt(ms: number | undefined) {
    setText(this.rtt, ms === undefined ? "–" : formatMs(ms));
    this.rtt.dataset.ms = ms === undefined ? "" : String(Math.round(ms * 10) / 10);
  }

  setPlayers(players: readonly Player[], selfId: string) {
    // Ourselves first, then in joining order (the order the server lists them).
    const sorted = [...players].sort((a, b) => Number(b.id === selfId) - Number(a.id === selfId));
    replaceChildren(
      this.players,
      ...sorted.map((p) =>
        h(
          "li",
          { "data-testid": "player", "data-player-id": p.id, class: p.id === selfId ? "self" : undefined },
          h("span", { class: "swatch", style: `--dot: ${playerColor(p.id)}` }),
          h("span", { class: "player-name" }, p.name || "player"),
          p.id === selfId ? h("span", { class: "tag" }, "you") : null,
        ),
      ),
    );
    setText(this.playerCount, String(players.length));
  }

  /** Hides the notice at once (what it said no longer holds). */
  clearNotice() {
    clearTimeout(this.toastTimer);
    this.toast.hidden = true;
  }

  notice(text: string, ms = 4000) {
    this.toast.textContent = text;
    this.toast.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => (this.toast.hidden = true), ms);
  }

  reset() {
    this.setRtt(undefined);
    this.setState("idle");
    replaceChildren(this.players);
    this.leaveHandler = undefined;
  }

  private flashCopy(text: string) {
    this.copy.textContent = text;
    this.copy.classList.add("done");
    setTimeout(() => {
      this.copy.textContent = "Copy";
      this.copy.classList.remove("done");
    }, 1500);
  }
}

export class LobbyUi {
  readonly section = byTestId("lobby");
  readonly form = byTestId<HTMLFormElement>("create-form");
  readonly name = byTestId<HTMLInputElement>("name-input");
  readonly seats = byTestId<HTMLSelectElement>("seats-input");
  readonly create = byTestId<HTMLButtonElement>("create-room");
  private readonly status = byTestId("lobby-status");

  show(visible: boolean) {
    this.section.hidden = !visible;
  }

  busy(text: string | undefined) {
    this.create.disabled = !!text;
    this.setStatus(text, false);
  }

  error(text: string) {
    this.create.disabled = false;
    this.setStatus(text, true);
  }

  private setStatus(text: string | undefined, isError: boolean) {
    this.status.hidden = !text;
    this.status.classList.toggle("error", isError);
    this.status.textContent = text ?? "";
  }
}
