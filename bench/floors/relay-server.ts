import uWS from "uWebSockets.js";

// The floor under a relay room's fan-out: a bare uWebSockets.js server that sends every message a
// connection sends to the other connections of its room (a topic per room, the sender left out,
// as roomgate's relay does), each delivery a frame the size of roomgate's relayed one. No tokens,
// no rooms, no decoding. Run as a child of relay.ts, which talks over IPC and reads this process's
// CPU from /proc. argv: players per room, bytes per delivered frame.

const [perRoom, bytes] = process.argv.slice(2).map(Number) as [number, number];
const frame = new Uint8Array(bytes).fill(0x2a);
let connected = 0;
let relayed = 0;
const app = uWS.App();
app.ws<{ room: string }>("/*", {
  compression: uWS.DISABLED,
  open: (ws) => {
    const room = `r${Math.floor(connected++ / perRoom)}`;
    ws.getUserData().room = room;
    ws.subscribe(room);
  },
  message: (ws) => {
    relayed++;
    ws.publish(ws.getUserData().room, frame, true);
  },
});

process.on("message", (m: { count?: true; stop?: true }) => {
  if (m.count) process.send?.({ relayed });
  if (m.stop) process.exit(0);
});

app.listen("127.0.0.1", 0, (socket) => {
  if (!socket) throw new Error("relay floor server cannot listen");
  process.send?.({ port: uWS.us_socket_local_port(socket) });
});
