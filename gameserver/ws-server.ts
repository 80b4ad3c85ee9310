import uWS from "uWebSockets.js";
import type { JoinTokens } from "../common/token.js";
import { TokenError } from "../common/token.js";
import type { Logger } from "../common/log.js";
import { JOIN_TOKEN_PARAM, ROOMS_PATH } from "../protocol/urls.js";
import type { Connection, RoomHost } from "./room-host.js";
import { ws as counts } from "./metrics.js";
import { refusals } from "../common/metrics/refusals.js";

// The WebSocket edge of a game server: authenticates before the upgrade, then hands frames to the
// RoomHost. Settings are explicit rather than uWS's defaults (as Colyseus's uWS transport does).

export interface WsOptions {
  host: RoomHost;
  tokens: JoinTokens;
  log: Logger;
  maxFrameBytes: number;
  maxBackpressureBytes: number;
  idleTimeoutS: number;
}

interface SocketData {
  roomId: string;
  playerId: string;
  playerName: string;
  /** uWS forbids touching a socket after close; the room may still hold its Connection. */
  closed: boolean;
  conn?: Connection;
}

const STATUS_TEXT: Record<number, string> = {
  400: "400 Bad Request",
  401: "401 Unauthorized",
  404: "404 Not Found",
  409: "409 Conflict",
  503: "503 Service Unavailable",
};

export class WsServer {
  private readonly app: uWS.TemplatedApp;
  private listenSocket: uWS.us_listen_socket | undefined;
  private readonly sockets = new Set<uWS.WebSocket<SocketData>>();

  constructor(private readonly o: WsOptions) {
    this.app = uWS.App();
    this.app.ws<SocketData>(`${ROOMS_PATH}/:roomId`, {
      compression: uWS.DISABLED,
      // uWS drops oversized frames with a bare close; a little headroom lets frames just past our
      // limit get a proper error frame first. Anything beyond this is cut by uWS itself.
      maxPayloadLength: Math.max(o.maxFrameBytes * 2, o.maxFrameBytes + 4096),
      maxBackpressure: o.maxBackpressureBytes,
      closeOnBackpressureLimit: 1,
      idleTimeout: o.idleTimeoutS,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => this.upgrade(res, req, context),
      open: (ws) => this.open(ws),
      message: (ws, message, isBinary) => {
        const d = ws.getUserData();
        counts.framesIn++;
        counts.bytesIn += message.byteLength;
        o.host.frame(d.roomId, d.playerId, new Uint8Array(message), isBinary);
      },
      close: (ws) => {
        if (this.sockets.delete(ws)) counts.open--;
        const d = ws.getUserData();
        d.closed = true;
        if (d.conn) o.host.leave(d.roomId, d.playerId, d.conn);
      },
    });
    this.app.get("/healthz", (res) => {
      res
        .writeHeader("content-type", "application/json")
        .end(JSON.stringify({ status: o.host.draining ? "draining" : "ok", ...o.host.stats }));
    });
    this.app.any("/*", (res) => {
      res
        .writeStatus(STATUS_TEXT[404]!)
        .end(`not found: connect to ${ROOMS_PATH}/{room_id}?${JOIN_TOKEN_PARAM}={join_token}`);
    });
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.app.listen(host, port, (socket) => {
        if (!socket) return reject(new Error(`game server cannot listen on ${host}:${port}`));
        this.listenSocket = socket;
        resolve(uWS.us_socket_local_port(socket));
      });
    });
  }

  /** Stops accepting connections; open sockets were closed by the RoomHost's drain. */
  stopListening() {
    if (this.listenSocket) uWS.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
  }

  /** Closes whatever sockets are still open (after rooms were closed with proper codes). */
  closeAll() {
    for (const ws of [...this.sockets]) ws.close();
  }

  private upgrade(res: uWS.HttpResponse, req: uWS.HttpRequest, context: uWS.us_socket_context_t) {
    const roomId = req.getParameter(0) ?? "";
    const token = req.getQuery(JOIN_TOKEN_PARAM) ?? "";
    const key = req.getHeader("sec-websocket-key");
    const protocol = req.getHeader("sec-websocket-protocol");
    const extensions = req.getHeader("sec-websocket-extensions");
    const refuse = (status: number, reason: string) => {
      this.o.log.debug("refused connection", { roomId, status, reason });
      res
        .writeStatus(STATUS_TEXT[status] ?? STATUS_TEXT[400]!)
        .writeHeader("content-type", "text/plain")
        .end(reason);
    };
    if (!token) {
      refusals.gameserver.token++;
      return refuse(401, "missing join token");
    }
    let claims;
    try {
      claims = this.o.tokens.verify(token, { roomId, serverId: this.o.host.serverId });
    } catch (e) {
      if (e instanceof TokenError) {
        refusals.gameserver.token++;
        return refuse(401, e.message);
      }
      throw e;
    }
    const refusal = this.o.host.admit(roomId, claims.playerId);
    if (refusal) {
      refusals.gameserver.admission++;
      return refuse(refusal.status, refusal.reason);
    }
    res.upgrade<SocketData>(
      { roomId, playerId: claims.playerId, playerName: claims.playerName, closed: false },
      key,
      protocol,
      extensions,
      context,
    );
  }

  private open(ws: uWS.WebSocket<SocketData>) {
    this.sockets.add(ws);
    counts.opened++;
    counts.open++;
    const d = ws.getUserData();
    const conn: Connection = {
      send: (bytes) => {
        if (d.closed) return;
        counts.framesOut++;
        counts.bytesOut += bytes.byteLength;
        ws.send(bytes, true);
      },
      close: (code, reason) => {
        if (d.closed) return;
        d.closed = true;
        ws.end(code, reason);
      },
    };
    d.conn = conn;
    this.o.host.join(d.roomId, d.playerId, d.playerName, conn);
  }
}
