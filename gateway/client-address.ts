import { isIPv4, isIPv6 } from "node:net";
import { createContextKey } from "@connectrpc/connect";
import type { HttpRequest } from "./http-types.js";
import { peerAddress } from "./peer-address.js";

// Who is calling, for per-client limits. connect-node handlers never see the socket, so the
// adapter's contextValues hook puts the address under this key for the interceptors to read.

export const clientKey = createContextKey<string>("unknown", { description: "client address for per-client limits" });

/**
 * The client a request counts against: the peer's IP address or, behind `trustedHops` proxies
 * that each append the address they saw to X-Forwarded-For, the entry the outermost of them
 * wrote: the header is read from the right, as everything left of that entry is whatever the
 * client chose to send. 0 ignores the header. IPv6 clients count per /64, the block one
 * subscriber gets, or one host could take a new address for every call.
 */
export function clientAddress(req: HttpRequest, trustedHops: number): string {
  if (trustedHops > 0) {
    const header = req.headers["x-forwarded-for"];
    const entries = (Array.isArray(header) ? header.join(",") : (header ?? ""))
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean);
    // Fewer entries than hops: the request came through fewer proxies, the first of which wrote
    // the leftmost entry.
    const entry = entries[Math.max(0, entries.length - trustedHops)];
    if (entry) return normalize(entry.replace(/^\[(.*)\](?::\d+)?$/, "$1"));
  }
  return normalize(peerAddress(req) ?? "unknown");
}

function normalize(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIPv4(address)) return address;
  if (isIPv6(address)) return ipv6Prefix64(address);
  // Not an address (a proxy wrote something else): keep it, bounded, as the key.
  return address.slice(0, 64);
}

function ipv6Prefix64(address: string): string {
  const [head, tail = ""] = address.split("%")[0]!.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = address.includes("::")
    ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right]
    : left;
  return (
    groups
      .slice(0, 4)
      .map((g) => parseInt(g || "0", 16).toString(16))
      .join(":") + "::/64"
  );
}
