import { Code, ConnectError } from "@connectrpc/connect";
import { type Room, RoomgateClient } from "@roomgate/client";
import { playRoom } from "./demo-game.js";
import { GameUi, LobbyUi } from "./demo-ui.js";
import { MAX_NAME, saveName, savedName } from "./names.js";
import { roomFromUrl, showRoomInUrl } from "./share.js";

// The demo page: a lobby to create a room (or a ?room= link that joins one), then the game.

// The page is served by the Gateway, so the Gateway is the page's own origin.
const client = new RoomgateClient(location.origin);
const lobby = new LobbyUi();
const game = new GameUi();

lobby.name.value = savedName();

lobby.form.addEventListener("submit", (e) => {
  e.preventDefault();
  const options = { playerName: playerName(), maxPlayers: Number(lobby.seats.value) };
  void enter(() => createArena(options), "Creating a room…");
});

/**
 * An authoritative arena (the "dots" room type, where the server moves every dot) when the
 * cluster runs it (`--gameserver-rooms dist/examples/rooms.js`), else a relay room.
 */
async function createArena(options: { playerName: string; maxPlayers: number }): Promise<Room> {
  try {
    return (await client.createRoom({ ...options, roomType: "dots" })) as unknown as Room;
  } catch (e) {
    const unavailable = e instanceof ConnectError && e.code === Code.Unavailable && /room type/.test(e.rawMessage);
    if (!unavailable) throw e;
    return client.createRoom(options);
  }
}

function playerName(): string {
  const name = lobby.name.value.trim().slice(0, MAX_NAME) || savedName();
  lobby.name.value = name;
  saveName(name);
  return name;
}

async function enter(open: () => Promise<Room>, busyText: string) {
  lobby.busy(busyText);
  game.setState("connecting");
  let room: Room;
  try {
    room = await open();
  } catch (e) {
    game.setState("idle");
    showRoomInUrl(undefined);
    lobby.error(describe(e));
    return;
  }
  lobby.busy(undefined);
  showRoomInUrl(room.roomId);
  lobby.show(false);
  game.show(true);
  playRoom(room, game, (end) => {
    game.show(false);
    game.reset();
    lobby.show(true);
    showRoomInUrl(undefined);
    if (end.error) lobby.error(`Disconnected from room ${room.roomId}: ${end.error.message}`);
  });
}

function describe(e: unknown): string {
  if (e instanceof ConnectError) {
    if (e.code === Code.NotFound)
      return "That room does not exist any more (rooms close when their last player leaves). Create a new one!";
    if (e.code === Code.InvalidArgument) return `That link does not name a room: ${e.rawMessage}.`;
    if (e.code === Code.ResourceExhausted)
      return "The cluster is full right now: no game server has a free seat. Try again in a moment.";
    if (e.code === Code.Unavailable) return `The Gateway cannot reach a game server right now (${e.rawMessage}).`;
    return e.rawMessage || e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

const linked = roomFromUrl();
if (linked) void enter(() => client.joinRoom(linked, { playerName: playerName() }), `Joining room ${linked}…`);
