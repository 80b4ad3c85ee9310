import { createSocket, type Socket } from "node:dgram";

// The slow wire between two regions of testkit/netns.ts. Each region's bridge has a VXLAN port
// whose UDP underlay points here; every datagram (one Ethernet frame) is held `delayMs` and sent on
// to the other region's VXLAN port. The kernel has no netem here, and a VXLAN tunnel cannot loop
// back inside one namespace (it would hand the frame over locally), so the hold happens in
// userspace, in the process that owns the namespaces.

/** One direction of one region pair: frames in on `port`, out to `to` after `delayMs`. */
export interface RelayLeg {
  readonly port: number;
  delayMs: number;
  close(): Promise<void>;
}

export async function startRelayLeg(
  bindAddress: string,
  to: { address: string; port: number },
  delayMs = 0,
): Promise<RelayLeg> {
  const socket: Socket = createSocket("udp4");
  const pending = new Set<NodeJS.Timeout>();
  const leg = { port: 0, delayMs, close };
  socket.on("message", (datagram) => {
    fillInnerChecksum(datagram);
    // Timers of one duration fire in the order they were set: frames stay in order.
    const t = setTimeout(() => {
      pending.delete(t);
      socket.send(datagram, to.port, to.address);
    }, leg.delayMs);
    pending.add(t);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, bindAddress, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  // A send to a region whose tunnel is already gone is no failure of the test.
  socket.on("error", () => {});
  leg.port = socket.address().port;
  function close() {
    for (const t of pending) clearTimeout(t);
    pending.clear();
    return new Promise<void>((resolve) => socket.close(() => resolve()));
  }
  return leg;
}

const VXLAN_HEADER = 8;
const ETHERNET_HEADER = 14;

/**
 * Writes the TCP or UDP checksum of the IPv4 packet inside a VXLAN datagram. A veth offloads that
 * checksum: the sender leaves it for the "hardware", and between namespaces the kernel trusts the
 * packet without ever filling it in. Once the frame has been through a socket, the receiving region
 * checks it and would drop every segment (ARP, which has no checksum, gets through). No tc `csum`
 * action or ethtool here, so the relay does what the hardware would have done.
 */
export function fillInnerChecksum(datagram: Buffer): void {
  const eth = VXLAN_HEADER;
  if (datagram.length < eth + ETHERNET_HEADER + 20 || datagram.readUInt16BE(eth + 12) !== 0x0800) return;
  const ip = eth + ETHERNET_HEADER;
  const ihl = (datagram[ip]! & 0x0f) * 4;
  const total = datagram.readUInt16BE(ip + 2);
  const proto = datagram[ip + 9];
  // Fragments carry no whole L4 header and checksum; the tunnel's MTU means there are none.
  if (datagram.readUInt16BE(ip + 6) & 0x3fff) return;
  const l4 = ip + ihl;
  const l4Length = total - ihl;
  if (l4 + l4Length > datagram.length) return;
  const field = proto === 6 ? l4 + 16 : proto === 17 ? l4 + 6 : -1;
  if (field < 0 || l4Length < (proto === 6 ? 20 : 8)) return;
  datagram.writeUInt16BE(0, field);
  // The pseudo-header: source and destination, protocol, L4 length.
  let sum = proto + l4Length;
  for (let i = ip + 12; i < ip + 20; i += 2) sum += datagram.readUInt16BE(i);
  const end = l4 + l4Length;
  let i = l4;
  for (; i + 1 < end; i += 2) sum += (datagram[i]! << 8) | datagram[i + 1]!;
  if (i < end) sum += datagram[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  let checksum = ~sum & 0xffff;
  // In UDP, 0 means "no checksum": a computed 0 is sent as its ones' complement twin.
  if (proto === 17 && checksum === 0) checksum = 0xffff;
  datagram.writeUInt16BE(checksum, field);
}
