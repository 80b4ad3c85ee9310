import uWS from "uWebSockets.js";

// The floor under the end-to-end run: a bare uWebSockets.js server that does nothing but send
// each connection a frame of the given size at the given rate, connections grouped into rooms as
// in the run. No rooms, no state, no tokens: what a game server cannot cost less than on this
// machine, per frame, for the same sockets. Run as a child of floor.ts, which talks over IPC.
// argv: bytes per frame, players per room, tick Hz.

const [bytes, perRoom, tickHz] = process.argv.slice(2).map(Number) as [number, number, number];
const app = uWS.App();
const frame = new Uint8Array(bytes).fill(0x2a);
let connected = 0;
app.ws("/*", {
  compression: uWS.DISABLED,
  open: (ws) => {
    // Connection n joins room n / perRoom: every room gets one publish a tick, as a room of a logic type.
    ws.subscribe(`r${Math.floor(connected++ / perRoom)}`);
  },
});

let timers: NodeJS.Timeout[] = [];
process.on("message", (m: { start?: number; stop?: true }) => {
  if (m.start !== undefined) {
    const rooms = Math.ceil(connected / perRoom);
    // Each room on its own timer, spread over one tick, as rooms created one after another are.
    for (let r = 0; r < rooms; r++) {
      const topic = `r${r}`;
      timers.push(
        setTimeout(
          () => timers.push(setInterval(() => app.publish(topic, frame, true), 1000 / tickHz)),
          (r * 1000) / tickHz / rooms,
        ),
      );
    }
    process.send?.({ started: rooms });
  }
  if (m.stop) {
    for (const t of timers) clearTimeout(t);
    timers = [];
    process.exit(0);
  }
});

app.listen("127.0.0.1", 0, (socket) => {
  if (!socket) throw new Error("floor server cannot listen");
  process.send?.({ port: uWS.us_socket_local_port(socket) });
});
