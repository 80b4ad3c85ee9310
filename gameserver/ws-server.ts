import type { JsonObject } from "@bufbuild/protobuf";
import type { Context } from "@opentelemetry/api";
import uWS from "uWebSockets.js";
import type { JoinTokens } from "../common/token.js";
import { TokenError } from "../common/token.js";
import type { Logger } from "../common/log.js";
import { MemorySpentTokens } from "../common/store/memory/tokens.js";
import type { SpentTokens } from "../common/store/tokens.js";
import { CLOSE } from "@roomgate/client/protocol/close-codes";
import {
  JOIN_TOKEN_PARAM,
  ROOM_SUBPROTOCOL,
  ROOMS_PATH,
  TOKEN_SUBPROTOCOL_PREFIX,
} from "@roomgate/client/protocol/urls";
import type { Connection, Fanout, Refusal, RoomHost } from "./room-host.js";
import { ws as counts } from "./metrics.js";
import { refusals } from "../common/metrics/refusals.js";
import { connectionSpans, endUpgrade, upgradeSpan } from "./ws-tracing.js";
import type { FirstTokenOutcome, RoomRecords } from "./room-records.js";

// The WebSocket edge of a game server: authenticates before the upgrade (signature, room, server,
// and the token's id, spent so that a token opens one connection), opens a room its token says
// how to open when it is not here yet, then hands frames to the RoomHost. Settings are explicit
// rather than uWS's defaults (as Colyseus's uWS transport does).

export interface WsOptions {
  host: RoomHost;
  tokens: JoinTokens;
  /** Where join tokens' ids are spent (the store, shared by every game server). */
  spentTokens: SpentTokens;
  /** Spends a room's first token as the room's record, when this server records its rooms (WRITE_ROOM_RECORDS). */
  records?: Pick<RoomRecords, "firstToken" | "unseated">;
  log: Logger;
  maxFrameBytes: number;
  maxBackpressureBytes: number;
  idleTimeoutS: number;
}

interface SocketData {
  roomId: string;
  playerId: string;
  playerName: string;
  rejoin: boolean;
  claims?: JsonObject;
  /** The token's id, spent in the store before the player joins. */
  spend: { tokenId: string; untilMs: number; nowMs: number };
  /** In the room: its frames count from now on. */
  joined: boolean;
  /** uWS forbids touching a socket after close; the room may still hold its Connection. */
  closed: boolean;
  conn?: Connection;
  /** The upgrade's trace context, which the open continues (ws-tracing.ts); unset when not tracing. */
  trace?: Context;
}

const STATUS_TEXT: Record<number, string> = {
  400: "400 Bad Request",
  401: "401 Unauthorized",
  403: "403 Forbidden",
  404: "404 Not Found",
  409: "409 Conflict",
  503: "503 Service Unavailable",
};

const SPENT: Refusal = { status: 403, reason: "join token already used: ask the Gateway for a new one" };
/** The room's first token found it placed elsewhere by now: the player finds it through the Gateway. */
const GONE_REASON = "room is no longer on this server; rejoin through the Gateway";

export class WsServer implements Fanout {
  private readonly app: uWS.TemplatedApp;
  /** Tokens used on this server, so a second use is refused before the upgrade. */
  private readonly spentHere = new MemorySpentTokens();
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
      closeOnBackpressureLimit: true,
      idleTimeout: o.idleTimeoutS,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => this.upgrade(res, req, context),
      open: (ws) => this.open(ws),
      message: (ws, message, isBinary) => {
        const d = ws.getUserData();
        counts.framesIn++;
        counts.bytesIn += message.byteLength;
        if (d.joined) o.host.frame(d.roomId, d.playerId, new Uint8Array(message), isBinary);
      },
      close: (ws, code) => {
        if (this.sockets.delete(ws)) counts.open--;
        const d = ws.getUserData();
        d.closed = true;
        // A client that closes with 1000 means it: it left, and is not expected back.
        if (d.conn) o.host.leave(d.roomId, d.playerId, d.conn, code === CLOSE.normal);
        // Admitted but never seated (the store could not spend its token, or the client gave up
        // waiting for the welcome): the player comes back with a rejoin ticket, and is expected.
        if (d.conn && !d.joined && code !== CLOSE.normal && code !== CLOSE.policyViolation)
          o.host.expectBack(d.roomId, d.playerId);
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

  /** To every connection subscribed to `topic`: uWS writes to each in C++, in order with direct sends. */
  publish(topic: string, bytes: Uint8Array) {
    this.counted(topic, bytes, 0);
    this.app.publish(topic, bytes, true);
  }

  private counted(topic: string, bytes: Uint8Array, but: number) {
    const n = Math.max(0, this.app.numSubscribers(topic) - but);
    counts.framesOut += n;
    counts.bytesOut += n * bytes.byteLength;
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
    // uWS's request lives only until this function returns: read everything now.
    const roomId = req.getParameter(0) ?? "";
    const offered = req
      .getHeader("sec-websocket-protocol")
      .split(",")
      .map((p) => p.trim());
    const token =
      req.getQuery(JOIN_TOKEN_PARAM) ||
      offered.find((p) => p.startsWith(TOKEN_SUBPROTOCOL_PREFIX))?.slice(TOKEN_SUBPROTOCOL_PREFIX.length) ||
      "";
    const key = req.getHeader("sec-websocket-key");
    const extensions = req.getHeader("sec-websocket-extensions");
    // Browsers fail a handshake that offered subprotocols and got none back; the token is never echoed.
    const protocol = offered.includes(ROOM_SUBPROTOCOL) ? ROOM_SUBPROTOCOL : "";
    const span = upgradeSpan((h) => req.getHeader(h), offered, roomId);
    const admitted = this.authorize(roomId, token);
    if ("status" in admitted) {
      // The token itself (bad, or spent); anything else: the room or the server would not take the player.
      if (admitted.status === 401 || admitted === SPENT) refusals.gameserver.token++;
      else refusals.gameserver.admission++;
      endUpgrade(span, admitted);
      return this.refuse(res, roomId, admitted);
    }
    const trace = endUpgrade(span);
    res.upgrade<SocketData>({ ...admitted, closed: false, trace }, key, protocol, extensions, context);
  }

  /**
   * The player a join token admits, or why not. A token is spent here at once, so a second use
   * on this server is refused before the upgrade; the store is asked after the upgrade (see
   * open), for a use this server cannot remember (before it restarted). The upgrade stays
   * synchronous: uWS (20.30) upgrading from a later callback (the store's reply) now and then
   * closed the new socket at once, unseen by both ends (1006 right after the welcome).
   */
  private authorize(roomId: string, token: string): Omit<SocketData, "closed"> | Refusal {
    if (!token) return { status: 401, reason: "missing join token" };
    let claims;
    try {
      claims = this.o.tokens.verify(token, { roomId, serverId: this.o.host.serverId });
    } catch (e) {
      if (e instanceof TokenError) return { status: 401, reason: e.message };
      throw e;
    }
    // The Manager placed the room here without asking: the first token to arrive opens it.
    const opens = claims.open !== undefined && !this.o.host.runs(roomId);
    const unopened = claims.open && this.o.host.openOnToken(roomId, claims.open);
    if (unopened) return unopened;
    // Nobody has left a room that opens now: a rejoin ticket that opens it is a first join. (The
    // Gateway takes a token it finds spent as used here, and a retried hand-on finds its own spend.)
    const rejoin = claims.rejoin && !opens;
    const refusal = this.o.host.admit(roomId, claims.playerId, rejoin);
    if (refusal) return refusal;
    const spend = {
      tokenId: Buffer.from(claims.tokenId).toString("base64url"),
      untilMs: Number(claims.expireTimeMs),
      nowMs: Date.now(),
    };
    if (!this.spentHere.spend(spend)) return SPENT;
    return {
      roomId,
      playerId: claims.playerId,
      playerName: claims.playerName,
      rejoin,
      claims: claims.playerClaims,
      spend,
      joined: false,
    };
  }

  /** Answers the upgrade request with an HTTP error (the caller corks). */
  private refuse(res: uWS.HttpResponse, roomId: string, r: Refusal) {
    this.o.log.debug("refused connection", { roomId, status: r.status, reason: r.reason });
    res
      .writeStatus(STATUS_TEXT[r.status] ?? STATUS_TEXT[400]!)
      .writeHeader("content-type", "text/plain")
      .end(r.reason);
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
      // A closed socket has left its topics already (uWS drops them when it closes).
      subscribe: (topic) => {
        if (!d.closed) ws.subscribe(topic);
      },
      publishToOthers: (topic, bytes) => {
        if (d.closed) return this.publish(topic, bytes);
        this.counted(topic, bytes, 1);
        ws.publish(topic, bytes, true);
      },
    };
    d.conn = conn;
    const spans = connectionSpans(d.trace);
    // The player joins once the store has the token spent too; until then its frames are dropped.
    // A room's first token is spent with the room's record (room-records.ts).
    const first = this.o.records?.firstToken(d.roomId, d.playerId, d.spend);
    const spent: Promise<FirstTokenOutcome> =
      first ?? this.o.spentTokens.spendToken(d.spend).then((fresh) => (fresh ? "fresh" : "spent"));
    spent.then(
      (outcome) => {
        // The store has this player seated: a player gone or refused before its seat is counted again.
        const recount = () => {
          if (!first || outcome !== "fresh") return;
          this.o.records?.unseated(d.roomId, d.playerId);
          this.o.host.recount(d.roomId);
        };
        if (d.closed) {
          recount();
          return spans.end("closed before the welcome");
        }
        if (outcome === "spent") {
          spans.end(SPENT.reason);
          return conn.close(CLOSE.policyViolation, SPENT.reason);
        }
        if (outcome === "gone") {
          spans.end(GONE_REASON);
          return conn.close(CLOSE.moved, GONE_REASON);
        }
        d.joined = spans.welcome(() =>
          this.o.host.join(d.roomId, d.playerId, d.playerName, conn, { rejoin: d.rejoin, claims: d.claims }),
        );
        if (!d.joined) recount();
        spans.end();
      },
      (e: unknown) => {
        spans.end(e);
        this.o.log.warn("cannot spend a join token in the store", {
          error: e instanceof Error ? e.message : String(e),
        });
        conn.close(CLOSE.tryAgainLater, "room store unavailable; rejoin through the Gateway");
      },
    );
  }
}
