import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";

// The request and response types connect-node hands its handlers (HTTP/1.1 or HTTP/2); the
// package does not export them by name.
type Fallback = NonNullable<ConnectNodeAdapterOptions["fallback"]>;
export type HttpRequest = Parameters<Fallback>[0];
export type HttpResponse = Parameters<Fallback>[1];
