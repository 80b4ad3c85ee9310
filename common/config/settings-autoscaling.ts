import type { Setting } from "./component.js";

// Settings of the Manager's autoscaler: the provisioner, the per-region policy and what started
// game servers are given.

/** The autoscaler's settings, in --help order. */
export const AUTOSCALING_SETTINGS: Setting[] = [
  {
    env: "AUTOSCALE_PROVISIONER",
    kind: "string",
    for: ["manager"],
    help: "Turns autoscaling on with this provisioner: process (start and stop `roomgate gameserver` processes on this host, on 127.0.0.1). Unset: no autoscaling. Needs AUTOSCALE_POLICY and ROOMGATE_SECRET.",
  },
  {
    env: "AUTOSCALE_POLICY",
    kind: "string",
    for: ["manager"],
    help: "Free room slots to keep per region, with bounds on its servers: region:buffer=N (rooms) or buffer=N% (of the region's room slots),min=N,max=N, regions separated by ';', e.g. eu:buffer=4,min=1,max=5;us:buffer=25%,max=10 (min defaults to 0).",
  },
  {
    env: "AUTOSCALE_INTERVAL_MS",
    kind: "int",
    for: ["manager"],
    default: "1000",
    help: "How often the autoscaler compares each region with its policy. Of the Managers with a provisioner, one at a time (the holder of a lease in the store) acts.",
  },
  {
    env: "AUTOSCALE_BOOT_TIMEOUT_MS",
    kind: "int",
    for: ["manager"],
    default: "30000",
    help: "A server the autoscaler started that has not registered within this is stopped and no longer counted as booting.",
  },
  {
    env: "AUTOSCALE_SERVER_CAPACITY",
    kind: "int",
    for: ["manager"],
    default: "100",
    help: "Rooms each started game server runs at once (its GAMESERVER_CAPACITY); the autoscaler counts a booting server as this many free room slots.",
  },
  {
    env: "AUTOSCALE_SERVER_MAX_PLAYERS",
    kind: "int",
    for: ["manager"],
    default: "1000",
    help: "Players each started game server holds (its GAMESERVER_MAX_PLAYERS). Other game-server settings in the Manager's environment (REPORT_INTERVAL_MS, DRAIN_MODE, GAMESERVER_LABELS...) pass through to them.",
  },
  {
    env: "AUTOSCALE_MANAGER_ADDRESS",
    kind: "string",
    for: ["manager"],
    help: "MANAGER_ADDRESS given to started game servers: every Manager, as host:port list or DNS name (default: this Manager on 127.0.0.1).",
  },
];
