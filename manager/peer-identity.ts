import type { PeerCertificate } from "node:tls";

// Who is calling, read from the client certificate of a mutual-TLS connection. The identity is a
// SPIFFE ID (an X.509-SVID: exactly one URI SAN), the scheme SPIRE, cert-manager's
// csi-driver-spiffe and service meshes issue, so a deployment can take its certificates from
// them or from a private CA with openssl:
//
//   spiffe://<trust-domain>/gateway                 a Gateway: may allocate rooms
//   spiffe://<trust-domain>/operator                an operator: may list and drain servers
//   spiffe://<trust-domain>/gameserver/<server-id>  a game server: may attach as <server-id> only
//
// Not the subject's CN or OU: those are free text, may repeat, and TLS stacks stopped treating CN
// as an identity; a URI SAN is one exact, typed value. A certificate with no such URI, several,
// or another trust domain has no role at all.

export type PeerRole = "gateway" | "operator" | "gameserver";

export interface PeerIdentity {
  role: PeerRole;
  /** The server id a game server's certificate names. */
  serverId?: string;
  /** The SPIFFE ID as written, for logs and errors. */
  uri: string;
}

/** SPIFFE path segments allow exactly the characters of a server id (manager.proto). */
const SEGMENT = "[A-Za-z0-9_.-]{1,128}";

/** The URI SANs of a certificate ("URI:a, DNS:b, URI:c" in node's subjectaltname). */
function uriSans(cert: PeerCertificate): string[] {
  const sans = cert.subjectaltname ?? "";
  // Node quotes a value holding a comma or quote; no SPIFFE ID has one, so a quoted URI never matches.
  return [...sans.matchAll(/(?:^|, )URI:([^,"\s]+)/g)].map((m) => m[1]!);
}

/** The caller's identity, or why it has none. */
export function peerIdentity(
  cert: PeerCertificate | undefined,
  trustDomain: string,
): PeerIdentity | { problem: string } {
  if (!cert?.raw) return { problem: "no client certificate" };
  const uris = uriSans(cert);
  if (uris.length !== 1)
    return {
      problem: `the client certificate must carry exactly one URI SAN spiffe://${trustDomain}/..., it has ${uris.length}`,
    };
  const uri = uris[0]!;
  const domain = trustDomain.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`^spiffe://${domain}/(?:(gateway|operator)|gameserver/(${SEGMENT}))$`).exec(uri);
  if (!m) return { problem: `${uri} is not a roomgate identity in trust domain ${trustDomain}` };
  if (m[1]) return { role: m[1] as PeerRole, uri };
  return { role: "gameserver", serverId: m[2]!, uri };
}
