#!/usr/bin/env node
// The `roomgate` command: one binary for every component (gateway, manager, gameserver, up) and the operator commands.
import { type Component, ConfigError, helpText, int, readSettings, str, type Values } from "../common/config.js";
import { createLogger } from "../common/log.js";
import { unhandledLogger } from "./unhandled.js";
import { onShutdownSignal } from "../common/shutdown.js";
import { drain, servers } from "./admin.js";
import { startAdmin } from "./admin-listener.js";
import { startTracing } from "../common/tracing/sdk.js";
import {
  adminToken,
  drainAllowanceMs,
  openStore,
  joinTokens,
  startGateway,
  startManager,
  startOneGameServer,
  type Stop,
} from "./components.js";

const USAGE = `roomgate: a Gateway, a Manager and game servers that let a multiplayer game outgrow one server.

Usage: roomgate <command> [options]

Commands:
  up           the whole mesh in one process: Gateway, Manager and two game servers
               (embedded store, or Redis when REDIS_URL is set)
  gateway      one Gateway (needs REDIS_URL, ROOMGATE_SECRET, MANAGER_ADDRESS)
  manager      one Manager (needs REDIS_URL)
  gameserver   one game server (needs REDIS_URL, ROOMGATE_SECRET, MANAGER_ADDRESS)
  drain <id>   tell a game server to drain: no new rooms, its rooms move to others, it exits
  servers      list the game servers the cluster knows

Every option is also an environment variable; an option wins over the variable.
Run 'roomgate <command> --help' for that command's options only.
`;

const COMMANDS: Component[] = ["up", "gateway", "manager", "gameserver", "drain", "servers"];

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE + "\nOptions:\n" + helpText() + "\n");
    return;
  }
  if (!COMMANDS.includes(command as Component)) throw new ConfigError(`unknown command '${command}'\n\n${USAGE}`);
  const component = command as Component;
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`Usage: roomgate ${component} [options]\n\nOptions:\n${helpText(component)}\n`);
    return;
  }
  if (component === "drain") return drain(readSettings(component, rest.slice(1), process.env), rest.slice(0, 1));
  if (component === "servers") return servers(readSettings(component, rest, process.env));
  const v = readSettings(component, rest, process.env);
  const log = createLogger(component);
  // A rejection nobody holds must not end a process that runs rooms. A Redis Cluster master's
  // death ended every Manager this way ("Too many Cluster redirections" from inside ioredis's
  // cluster client; its pipeline retry drops the promise of the exec it retries, which may be
  // the source). Logged with its stack, once a minute per message.
  process.on("unhandledRejection", unhandledLogger(log));
  const stops: Stop[] = [];
  // Only with OTEL_EXPORTER_OTLP_ENDPOINT set; stopped last, so the shutdown's own spans are exported.
  const tracing = await startTracing({
    serviceName: str(v, "OTEL_SERVICE_NAME") ?? `roomgate-${component}`,
    endpoint: str(v, "OTEL_EXPORTER_OTLP_ENDPOINT"),
    env: process.env,
  });
  if (tracing) stops.push(tracing.shutdown);
  // Components stop in the reverse of their start order: game servers drain before the Manager goes.
  // A finish-mode drain may take DRAIN_TIMEOUT_MS before the usual clean-up even starts.
  const shutdown = onShutdownSignal(log, int(v, "SHUTDOWN_TIMEOUT_MS") + drainAllowanceMs(v) + 2000, async () => {
    for (const stop of stops.reverse()) await stop();
  });
  // Metrics and probes first and closed last: /readyz says "starting" until the components are in.
  const admin = await startAdmin(v, log);
  if (admin) stops.push(admin.close);
  await START[component as keyof typeof START](v, log, stops, shutdown);
}

/** `shutdown` starts the process's own clean shutdown, exactly as SIGTERM does. */
type Starter = (
  v: Values,
  log: ReturnType<typeof createLogger>,
  stops: Stop[],
  shutdown: (why: string) => void,
) => Promise<void>;

const START: Record<Exclude<Component, "drain" | "servers">, Starter> = {
  async manager(v, log, stops) {
    const store = openStore(v, false, log);
    stops.push(() => store.close());
    stops.push((await startManager(v, store, log)).stop);
  },
  async gateway(v, log, stops) {
    const tokens = joinTokens(v, false);
    const store = openStore(v, false, log);
    stops.push(() => store.close());
    stops.push((await startGateway(v, store, str(v, "MANAGER_ADDRESS")!, tokens, log)).stop);
  },
  async gameserver(v, log, stops, shutdown) {
    const tokens = joinTokens(v, false);
    // Join tokens are spent, and ended rooms removed, over one connection to the store every game server shares.
    const store = openStore(v, false, log);
    stops.push(() => store.close());
    // The Manager's drain command drains this server and ends the process, as SIGTERM would.
    const gs = await startOneGameServer(
      v,
      int(v, "GAMESERVER_PORT"),
      str(v, "MANAGER_ADDRESS")!,
      tokens,
      store,
      store,
      log,
      str(v, "GAMESERVER_ID"),
      () => shutdown("drain"),
    );
    stops.push(gs.stop);
  },
  async up(v, log, stops) {
    const tokens = joinTokens(v, true);
    const store = openStore(v, true, log.child("store"));
    stops.push(() => store.close());
    // One operator token for the dashboard and the Manager's operator calls (drain, servers).
    const operatorToken = adminToken(v, true)!;
    const manager = await startManager(v, store, log.child("manager"), operatorToken);
    stops.push(manager.stop);
    const managerAddress = `127.0.0.1:${manager.port}`;
    const base = int(v, "GAMESERVER_PORT");
    // A drain command stops just that server (the default); the process goes on with the other.
    const serverStops: Stop[] = [];
    for (const port of [base, base === 0 ? 0 : base + 1])
      serverStops.push(
        (await startOneGameServer(v, port, managerAddress, tokens, store, store, log.child("gameserver"))).stop,
      );
    // Both drain at once, so neither is handed the other's rooms on the way out.
    stops.push(async () => void (await Promise.all(serverStops.map((stop) => stop()))));
    const gateway = await startGateway(v, store, managerAddress, tokens, log.child("gateway"), operatorToken);
    stops.push(gateway.stop);
    const url = `http://127.0.0.1:${gateway.port}`;
    // The token rides in the fragment, which browsers never send: it stays out of every log.
    process.stdout.write(
      `\nroomgate is up: Gateway ${url} (Connect, gRPC-Web, gRPC), Manager ${managerAddress}, ` +
        `store: ${str(v, "REDIS_URL") ? "Redis" : "embedded"}.\n` +
        `Play the demo: ${url}/\n` +
        `Cluster dashboard (operator token ADMIN_TOKEN in the link): ${url}/dashboard#token=${encodeURIComponent(operatorToken)}\n` +
        `Operator commands need the same token: ADMIN_TOKEN=${operatorToken} roomgate servers --manager-address ${managerAddress}\n` +
        `Try: npx buf curl --schema proto --protocol connect ${url}/roomgate.v1.GatewayService/CreateRoom -d '{}'\n\n`,
    );
  },
};

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof ConfigError) {
    process.stderr.write(`roomgate: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`roomgate: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
