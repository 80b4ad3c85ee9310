import { hostname } from "node:os";
import type { Logger } from "../common/log.js";
import { JoinTokens } from "../common/token.js";
import type { RoomLimits } from "./limits.js";
import { ManagerLink } from "./manager-link.js";
import { RoomHost } from "./room-host.js";
import { WsServer } from "./ws-server.js";

export interface GameServerOptions extends RoomLimits {
  id?: string;
  host: string;
  port: number;
  /** WebSocket base URL clients use; default ws://127.0.0.1:{bound port}. */
  publicAddress?: string;
  region: string;
  managerAddress: string;
  secret: string;
  reportIntervalMs: number;
  maxBackpressureBytes: number;
  idleTimeoutS: number;
  log: Logger;
}

export interface GameServer {
  readonly id: string;
  readonly port: number;
  readonly address: string;
  readonly host: RoomHost;
  readonly link: ManagerLink;
  /** Stops taking rooms, tells the Manager, closes every socket with 1001 and leaves. */
  shutdown(timeoutMs?: number): Promise<void>;
}

/** Listens, then registers with the Manager. Resolves once listening (registration goes on). */
export async function startGameServer(o: GameServerOptions): Promise<GameServer> {
  let link: ManagerLink | undefined;
  // The host needs the link for events and the link needs the host's address: the events are
  // forwarded once both exist.
  const events = {
    opened: (id: string) => link?.opened(id),
    players: (id: string, n: number) => link?.players(id, n),
    closed: (id: string, r: number) => link?.closed(id, r),
  };
  const tokens = new JoinTokens(o.secret);
  let serverId = o.id ?? "";
  const host = new RoomHost("", o, events, o.log);
  const ws = new WsServer({ host, tokens, log: o.log, maxFrameBytes: o.maxFrameBytes, maxBackpressureBytes: o.maxBackpressureBytes, idleTimeoutS: o.idleTimeoutS });
  const port = await ws.listen(o.host, o.port);
  if (!serverId) serverId = `${hostname()}-${port}`;
  host.serverId = serverId;
  const address = o.publicAddress ?? `ws://127.0.0.1:${port}`;
  link = new ManagerLink({
    managerAddress: o.managerAddress,
    registration: { serverId, address, region: o.region, maxRooms: o.maxRooms, maxPlayers: o.maxPlayers, reportIntervalMs: o.reportIntervalMs },
    log: o.log,
  });
  link.start(host);
  o.log.info("game server listening", { serverId, port, address, region: o.region });
  const theLink = link;
  let stopped: Promise<void> | undefined;
  return {
    id: serverId,
    port,
    address,
    host,
    link: theLink,
    shutdown: (timeoutMs = 10_000) =>
      (stopped ??= (async () => {
        ws.stopListening();
        theLink.draining();
        host.shutdown();
        await theLink.stop(timeoutMs);
        ws.closeAll();
        o.log.info("game server stopped", { serverId });
      })()),
  };
}
