import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIPv4 } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { bool, ConfigError, str, type Values } from "./config.js";
import type { Logger } from "./log.js";

// TLS for the internal gRPC links (game servers and Gateways to the Manager), from three
// settings: INTERNAL_TLS_CERT and INTERNAL_TLS_KEY (this component's certificate), and
// INTERNAL_TLS_CA (whom to trust). None set: cleartext, as on a private network or one host.
//
//   Manager   serves TLS with cert/key; with a CA it also requires client certificates signed by
//             that CA (mutual TLS), and refuses connections without one.
//   clients   verify the Manager against the CA (the system's roots without one) and present
//             cert/key when given.
//
// Files are read and checked once, at start: a missing, unreadable or mismatched file is a
// ConfigError naming the setting, not a handshake failure later.

interface Pem {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

function readPem(v: Values, setting: string): Buffer | undefined {
  const path = str(v, setting);
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ConfigError(
      `${setting}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

function load(v: Values): Pem {
  const pem: Pem = {
    ca: readPem(v, "INTERNAL_TLS_CA"),
    cert: readPem(v, "INTERNAL_TLS_CERT"),
    key: readPem(v, "INTERNAL_TLS_KEY"),
  };
  if (!!pem.cert !== !!pem.key)
    throw new ConfigError("INTERNAL_TLS_CERT and INTERNAL_TLS_KEY go together: set both or neither");
  let cert: X509Certificate | undefined;
  if (pem.cert) {
    try {
      cert = new X509Certificate(pem.cert);
    } catch (e) {
      throw new ConfigError(
        `INTERNAL_TLS_CERT (${str(v, "INTERNAL_TLS_CERT")}) is not a PEM certificate: ${(e as Error).message}`,
      );
    }
  }
  if (pem.key) {
    let key;
    try {
      key = createPrivateKey(pem.key);
    } catch (e) {
      throw new ConfigError(
        `INTERNAL_TLS_KEY (${str(v, "INTERNAL_TLS_KEY")}) is not a PEM private key: ${(e as Error).message}`,
      );
    }
    if (cert && !cert.checkPrivateKey(key))
      throw new ConfigError("INTERNAL_TLS_KEY is not the private key of INTERNAL_TLS_CERT");
  }
  if (pem.ca) {
    try {
      new X509Certificate(pem.ca);
    } catch (e) {
      throw new ConfigError(
        `INTERNAL_TLS_CA (${str(v, "INTERNAL_TLS_CA")}) is not a PEM certificate: ${(e as Error).message}`,
      );
    }
  }
  return pem;
}

/** True when internal gRPC runs over TLS with these settings. */
export function internalTlsEnabled(v: Values): boolean {
  return !!(str(v, "INTERNAL_TLS_CA") || str(v, "INTERNAL_TLS_CERT") || str(v, "INTERNAL_TLS_KEY"));
}

/** True when the Manager requires client certificates: the only setting where callers have identities. */
export function mutualTlsEnabled(v: Values): boolean {
  return !!(str(v, "INTERNAL_TLS_CA") && str(v, "INTERNAL_TLS_CERT") && str(v, "INTERNAL_TLS_KEY"));
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIPv4(host) && host.startsWith("127."));
}

/**
 * A Manager's port lets its callers register game servers, place rooms and drain servers, so it
 * may face other hosts only with mutual TLS, or when the operator says in so many words that the
 * network is private (INSECURE_INTERNAL), which is then logged at every start.
 */
export function checkManagerExposure(v: Values, log: Logger) {
  const host = str(v, "MANAGER_HOST") ?? "";
  if (isLoopback(host) || mutualTlsEnabled(v)) return;
  if (bool(v, "INSECURE_INTERNAL")) {
    log.warn(
      "INSECURE: the Manager listens beyond loopback without mutual TLS (--insecure-internal): anyone who reaches its port can register game servers, allocate rooms and drain servers",
      { host },
    );
    return;
  }
  throw new ConfigError(
    `MANAGER_HOST ${host || "(all interfaces)"} is reachable from other hosts, and without mutual TLS anyone there could register game servers, allocate rooms and drain servers. ` +
      "Set INTERNAL_TLS_CA, INTERNAL_TLS_CERT and INTERNAL_TLS_KEY (README: mTLS identities), or listen on 127.0.0.1, " +
      "or accept the risk on a network only your components reach with --insecure-internal (INSECURE_INTERNAL=true)",
  );
}

/** What the Manager binds with: insecure, TLS, or mutual TLS when a CA is given. */
export function serverCredentials(v: Values): grpc.ServerCredentials {
  const pem = load(v);
  if (!pem.ca && !pem.cert) return grpc.ServerCredentials.createInsecure();
  if (!pem.cert || !pem.key) {
    throw new ConfigError(
      "INTERNAL_TLS_CA is set but the Manager has no certificate to serve with: set INTERNAL_TLS_CERT and INTERNAL_TLS_KEY too",
    );
  }
  return grpc.ServerCredentials.createSsl(pem.ca ?? null, [{ cert_chain: pem.cert, private_key: pem.key }], !!pem.ca);
}

/** What Gateways and game servers dial the Manager with. */
export function channelCredentials(v: Values): grpc.ChannelCredentials {
  const pem = load(v);
  if (!pem.ca && !pem.cert) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(pem.ca ?? null, pem.key ?? null, pem.cert ?? null);
}
