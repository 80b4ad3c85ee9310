import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";

// Headers between Node's request/response objects and the web Headers connect-es works with, for
// both of the Gateway's paths (node-adapter.ts, connect-unary.ts), so that they write the same.

type NodeRequest = Parameters<NonNullable<ConnectNodeAdapterOptions["fallback"]>>[0];

export function webHeaders(h: NodeRequest["headers"]): Headers {
  const out = new Headers();
  for (const key in h) {
    // HTTP/2 pseudo-headers (:path, :method, ...) are no headers to a handler.
    if (key.charCodeAt(0) === 58) continue;
    const v = h[key];
    if (typeof v === "string") out.append(key, v);
    else if (v) for (const one of v) out.append(key, one);
  }
  return out;
}

export function nodeHeaders(h: Headers | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (!h) return out;
  h.forEach((value, key) => {
    // Headers joins repeated values with ", ", which set-cookie must not get: it keeps them apart.
    out[key] = key === "set-cookie" ? h.getSetCookie() : value;
  });
  return out;
}
