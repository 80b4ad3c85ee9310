import * as http from "node:http";
import { create } from "@bufbuild/protobuf";
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { GatewayService, GetRoomResponseSchema, WatchClusterResponseSchema } from "../gen/roomgate/v1/gateway_pb.js";
import type { UniversalServerRequest } from "@connectrpc/connect/protocol";
import { gatewayClient, type Protocol } from "../testkit/client.js";
import { createDualServer } from "./listener.js";
import { nodeAdapter } from "./node-adapter.js";

// The Gateway's own bridge to connect-es: a call's signal stays quiet after an ordinary answer and
// fires when the client leaves mid-call; every protocol still gets its answers whole.

interface Seen {
  /** What each call's request carried into connect-es (connect aborts its own context signal after every call). */
  signals: AbortSignal[];
  streamEnded: Promise<unknown>;
  endStream: (reason: unknown) => void;
}

function service(seen: Seen) {
  return (router: ConnectRouter) => {
    router.service(GatewayService, {
      async getRoom(req) {
        return create(GetRoomResponseSchema, { room: { roomId: req.roomId, maxPlayers: 4 } });
      },
      async *watchCluster(_req, ctx: HandlerContext) {
        try {
          yield create(WatchClusterResponseSchema, {});
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
        } finally {
          seen.endStream(ctx.signal.reason);
        }
      },
    });
    router.handlers.forEach((h, i) => {
      router.handlers[i] = Object.assign((req: UniversalServerRequest) => {
        seen.signals.push(req.signal);
        return h(req);
      }, h);
    });
  };
}

async function serve(seen: Seen) {
  const errors: unknown[] = [];
  const handler = nodeAdapter({
    routes: service(seen),
    fallback: (_req, res) => {
      res.writeHead(404);
      res.end();
    },
    onError: (e) => errors.push(e),
  });
  const server = createDualServer(handler);
  const port = await server.listen("127.0.0.1", 0);
  return { server, port, errors };
}

function newSeen(): Seen {
  let endStream!: (reason: unknown) => void;
  const streamEnded = new Promise((resolve) => {
    endStream = resolve;
  });
  return { signals: [], streamEnded, endStream };
}

describe("the Gateway's node adapter", () => {
  it.each<Protocol>(["connect", "grpc", "grpc-web"])(
    "answers a unary %s call and leaves its signal unaborted",
    async (p) => {
      const seen = newSeen();
      const { server, port, errors } = await serve(seen);
      try {
        const res = await gatewayClient(`http://127.0.0.1:${port}`, p).getRoom({ roomId: "abcdefghijkl" });
        expect(res.room?.roomId).toBe("abcdefghijkl");
        expect(seen.signals).toHaveLength(1);
        expect(seen.signals[0]!.aborted).toBe(false);
        expect(errors).toEqual([]);
      } finally {
        await server.close(1000);
      }
    },
  );

  it("writes a unary Connect answer in one piece, with its length", async () => {
    const seen = newSeen();
    const { server, port } = await serve(seen);
    try {
      const res = await new Promise<http.IncomingMessage & { text: string }>((resolve, reject) => {
        const req = http.request(
          {
            host: "127.0.0.1",
            port,
            method: "POST",
            path: "/roomgate.v1.GatewayService/GetRoom",
            // A Host header no URL parser takes must not matter.
            headers: { "content-type": "application/json", host: "bad host:x/" },
          },
          (r) => {
            let text = "";
            r.on("data", (c) => (text += c));
            r.on("end", () => resolve(Object.assign(r, { text })));
          },
        );
        req.on("error", reject);
        req.end(JSON.stringify({ roomId: "abcdefghijkl" }));
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers["transfer-encoding"]).toBeUndefined();
      expect(Number(res.headers["content-length"])).toBe(Buffer.byteLength(res.text));
      expect(JSON.parse(res.text).room.roomId).toBe("abcdefghijkl");
    } finally {
      await server.close(1000);
    }
  });

  it.each<Protocol>(["connect", "grpc"])("cancels a %s stream whose client left", async (p) => {
    const seen = newSeen();
    const { server, port, errors } = await serve(seen);
    try {
      const leave = new AbortController();
      const stream = gatewayClient(`http://127.0.0.1:${port}`, p).watchCluster({}, { signal: leave.signal });
      const it = stream[Symbol.asyncIterator]();
      await it.next();
      leave.abort();
      await expect(it.next()).rejects.toThrow();
      const reason = await seen.streamEnded;
      expect(seen.signals[0]!.aborted).toBe(true);
      expect(String(reason)).toMatch(/canceled|aborted/i);
      expect(errors).toEqual([]);
    } finally {
      await server.close(1000);
    }
  });

  it("hands paths no route serves to the fallback", async () => {
    const seen = newSeen();
    const { server, port } = await serve(seen);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/nothing-here`);
      expect(res.status).toBe(404);
    } finally {
      await server.close(1000);
    }
  });
});
