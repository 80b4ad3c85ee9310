// The room module of the examples, for a game server to run both (GAMESERVER_ROOMS=dist/examples/rooms.js):
// the dots arena and the card game "higher".
import { cards } from "./cards.js";
import { dots } from "./dots.js";

export default [dots, cards];
