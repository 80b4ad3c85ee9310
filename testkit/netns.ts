import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { acquireSlot, removeSlot, requireNetns, run, type SlotLock, slotsInUse } from "./netns-slots.js";
import { type RelayLeg, startRelayLeg } from "./udp-delay-relay.js";

// Hosts with their own network stacks, for tests whose traffic must cross real interfaces:
//
//   root namespace (the test process, its clients)       hub namespace rg<slot>-hub
//   rg<slot>c 10.213.<slot>.1 ─────── veth ─────── client ─┐
//                                                          br0 (region 0) ── h0, h1 … ── veth ── host namespaces
//   rg<slot>u 10.214.<slot>.1 ─────── veth ─────── under   vx0 (VXLAN port of br0)      rg<slot>-<host>, eth0
//        ▲ the relay (udp-delay-relay.ts)                  br1 (region 1) ── h2 …                 10.213.<slot>.10+
//        └── holds each frame the region pair's delay ──── vx1 (VXLAN port of br1)
//
// All regions share one /24; each region is a bridge in the hub, and frames between regions go
// through a VXLAN tunnel whose UDP datagrams pass through this process, which holds them for the
// region pair's delay (this kernel has no netem). A cut is a tc u32 filter on the host's port in
// the hub that redirects the packets to a link that is down: they vanish without an RST or an
// ICMP error, as in a real partition (no iptables here, and tc's drop action is not built in).
// The tunnels do no MAC learning: a frame for another region goes out on every leg of its region,
// and only the region where the addressed host lives delivers it (with two regions, one leg).
// Namespaces and links are named and addressed by a slot (netns-slots.ts) so concurrent runs
// never meet, and a killed run's leftovers are removed by the next one.

export interface NetHost {
  readonly name: string;
  readonly region: string;
  /** Its network namespace: `ip netns exec <ns>`. */
  readonly ns: string;
  /** Its address, reachable from every host and from the test process. */
  readonly ip: string;
  /** Its port on the region's bridge, in the hub. */
  readonly port: string;
}

export interface NetnsOptions {
  /** The regions; hosts are added to one of them. */
  regions: string[];
  /** The region whose bridge the test process (and its clients) sits on; the first by default. */
  clientRegion?: string;
}

const VXLAN_ID = 100;
/** VXLAN ports inside the hub, one per region (the hub's port space is its own). */
const VXLAN_PORT = 4789;
const FIRST_HOST = 10;

export class Netns {
  readonly hosts = new Map<string, NetHost>();
  /** The test process's address on the hosts' network. */
  readonly clientIp: string;
  readonly hub: string;
  private readonly legs = new Map<string, RelayLeg>();
  private readonly cutPorts = new Set<string>();
  private closed = false;

  private constructor(
    private readonly lock: SlotLock,
    readonly regions: string[],
  ) {
    this.clientIp = `10.213.${lock.slot}.1`;
    this.hub = `${this.prefix}hub`;
  }

  get slot() {
    return this.lock.slot;
  }

  /** What every namespace of this run is named with. */
  get prefix() {
    return `rg${this.slot}-`;
  }

  /** Takes a slot (sweeping dead runs' leftovers first) and builds the hub, its regions and tunnels. */
  static async create(o: NetnsOptions): Promise<Netns> {
    requireNetns();
    if (o.regions.length === 0 || new Set(o.regions).size !== o.regions.length)
      throw new Error(`regions must be distinct and at least one: ${o.regions.join(",")}`);
    const clientRegion = o.clientRegion ?? o.regions[0]!;
    if (!o.regions.includes(clientRegion)) throw new Error(`clientRegion ${clientRegion} is not a region`);
    const net = new Netns(await acquireSlot(), o.regions);
    try {
      await net.build(o.regions.indexOf(clientRegion));
    } catch (e) {
      await net.teardown();
      throw e;
    }
    return net;
  }

  private async build(clientBridge: number) {
    const s = this.slot;
    const under = `10.214.${s}.`;
    await run("ip", ["netns", "add", this.hub]);
    // No IPv6 anywhere (addrgenmode none): its neighbour discovery would only add traffic to the tunnels.
    const root = [
      `link add rg${s}u mtu 9000 type veth peer name under mtu 9000 netns ${this.hub}`,
      `link set rg${s}u addrgenmode none`,
      `addr add ${under}1/30 dev rg${s}u`,
      `link set rg${s}u up`,
      `link add rg${s}c type veth peer name client netns ${this.hub}`,
      `link set rg${s}c addrgenmode none`,
      // One segment per frame (no TSO bursts): the relay forwards datagrams as they come, and a
      // frame of several segments would be too big for the other region's 1500-byte links.
      `link set rg${s}c gso_max_segs 1`,
      `addr add ${this.clientIp}/24 dev rg${s}c`,
      `link set rg${s}c up`,
    ];
    await run("ip", ["-batch", "-"], root.map((l) => `${l}\n`).join(""));
    const inHub = [
      "link set lo up",
      "link set under addrgenmode none",
      "link set client addrgenmode none",
      `addr add ${under}2/30 dev under`,
      "link set under up",
      // Where a cut sends what it drops: a link that is down discards every packet.
      "link add sink type veth peer name sink-peer",
    ];
    this.regions.forEach((_, r) => {
      inHub.push(
        `link add br${r} type bridge`,
        `link set br${r} addrgenmode none`,
        `link set br${r} up`,
        // 1500 inside, carried on a 9000 underlay: the hosts' frames need no smaller MTU.
        `link add vx${r} mtu 1500 type vxlan id ${VXLAN_ID} dstport ${VXLAN_PORT + r} local ${under}2 nolearning`,
        `link set vx${r} addrgenmode none`,
        `link set vx${r} master br${r} up`,
      );
    });
    inHub.push(`link set client master br${clientBridge} up`);
    await run("ip", ["-n", this.hub, "-batch", "-"], inHub.map((l) => `${l}\n`).join(""));
    // A relay leg for each ordered pair of regions; each region's tunnel floods to its legs.
    const fdb: string[] = [];
    for (let i = 0; i < this.regions.length; i++) {
      for (let j = 0; j < this.regions.length; j++) {
        if (i === j) continue;
        const leg = await startRelayLeg(`${under}1`, { address: `${under}2`, port: VXLAN_PORT + j });
        this.legs.set(`${i}>${j}`, leg);
        fdb.push(`fdb append 00:00:00:00:00:00 dev vx${i} dst ${under}1 port ${leg.port}`);
      }
    }
    if (fdb.length) await run("bridge", ["-n", this.hub, "-batch", "-"], fdb.map((l) => `${l}\n`).join(""));
  }

  /** Adds a host with its own namespace and address in `region`. */
  async addHost(name: string, region: string): Promise<NetHost> {
    if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(name)) throw new Error(`host name ${name}: lower-case letters, digits, -`);
    if (this.hosts.has(name)) throw new Error(`host ${name} exists`);
    const r = this.regions.indexOf(region);
    if (r < 0) throw new Error(`no region ${region} (regions: ${this.regions.join(",")})`);
    const index = this.hosts.size;
    if (FIRST_HOST + index > 254) throw new Error("a run has at most 245 hosts");
    const host: NetHost = {
      name,
      region,
      ns: `${this.prefix}${name}`,
      ip: `10.213.${this.slot}.${FIRST_HOST + index}`,
      port: `h${index}`,
    };
    this.hosts.set(name, host);
    await run("ip", ["netns", "add", host.ns]);
    await run(
      "ip",
      ["-n", this.hub, "-batch", "-"],
      [
        `link add ${host.port} type veth peer name eth0 netns ${host.ns}`,
        `link set ${host.port} addrgenmode none`,
        `link set ${host.port} master br${r} up`,
      ].join("\n") + "\n",
    );
    await run(
      "ip",
      ["-n", host.ns, "-batch", "-"],
      [
        "link set lo up",
        "link set eth0 addrgenmode none",
        "link set eth0 gso_max_segs 1",
        `addr add ${host.ip}/24 dev eth0`,
        "link set eth0 up",
      ].join("\n") + "\n",
    );
    return host;
  }

  host(name: string): NetHost {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /** The command line that runs `command args` inside the host's namespace. */
  execArgs(host: NetHost | string, command: string, args: string[]): [string, string[]] {
    const h = typeof host === "string" ? this.host(host) : host;
    // `ip netns exec` execs the command: the child's pid is the command's own.
    return ["ip", ["netns", "exec", h.ns, command, ...args]];
  }

  spawn(host: NetHost | string, command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    const [cmd, argv] = this.execArgs(host, command, args);
    return spawn(cmd, argv, options);
  }

  /**
   * Drops every packet between `a` and `b` (both ways), or between `a` and everything (`all`),
   * silently. Cuts add up until heal().
   */
  async cut(a: string, b: string | "all"): Promise<void> {
    const ha = this.host(a);
    const drop = "action mirred egress redirect dev sink";
    const cmds: string[] = [];
    const ports = b === "all" ? [ha.port] : [ha.port, this.host(b).port];
    for (const p of ports) {
      if (!this.cutPorts.has(p)) cmds.push(`qdisc add dev ${p} clsact`);
      this.cutPorts.add(p);
    }
    if (b === "all") {
      // Both directions at a's port, whatever the protocol (ARP included).
      for (const dir of ["ingress", "egress"])
        cmds.push(`filter add dev ${ha.port} ${dir} protocol all prio 1 u32 match u32 0 0 ${drop}`);
    } else {
      const hb = this.host(b);
      // What each sends to the other, dropped as it enters the hub.
      cmds.push(`filter add dev ${ha.port} ingress protocol ip prio 2 u32 match ip dst ${hb.ip}/32 ${drop}`);
      cmds.push(`filter add dev ${hb.port} ingress protocol ip prio 2 u32 match ip dst ${ha.ip}/32 ${drop}`);
    }
    await run("tc", ["-n", this.hub, "-batch", "-"], cmds.map((l) => `${l}\n`).join(""));
  }

  /** Lifts every cut. */
  async heal(): Promise<void> {
    const cmds = [...this.cutPorts].map((p) => `qdisc del dev ${p} clsact\n`);
    this.cutPorts.clear();
    if (cmds.length) await run("tc", ["-n", this.hub, "-batch", "-"], cmds.join(""));
  }

  /** Holds every frame between the two regions `ms` each way (a round trip costs twice as much). */
  setDelay(regionA: string, regionB: string, ms: number): void {
    const i = this.regions.indexOf(regionA);
    const j = this.regions.indexOf(regionB);
    if (i < 0 || j < 0 || i === j) throw new Error(`setDelay needs two different regions: ${regionA}, ${regionB}`);
    if (!(ms >= 0)) throw new RangeError(`delay ${ms} ms`);
    this.legs.get(`${i}>${j}`)!.delayMs = ms;
    this.legs.get(`${j}>${i}`)!.delayMs = ms;
  }

  /**
   * Kills what still runs in the hosts, removes every namespace and link of this run, frees its
   * slot; fails naming whatever is left. Idempotent.
   */
  async teardown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.legs.values()].map((l) => l.close()));
    try {
      await removeSlot(this.lock);
      // Checked while the slot is still held: once free, another run may take its names.
      const left = (await slotsInUse()).get(this.slot);
      if (left) throw new Error(`netns teardown left ${[...left.namespaces, ...left.links].join(", ")}`);
    } finally {
      await this.lock.release();
    }
  }

  /**
   * Test hook: lets go of the slot without removing anything, as a run that was killed would.
   * The next run's sweep removes what is left.
   */
  async abandon(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.legs.values()].map((l) => l.close()));
    await this.lock.release();
  }
}
