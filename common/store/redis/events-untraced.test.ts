import { create } from "@bufbuild/protobuf";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { ClusterEventKind, ClusterEventSchema } from "../../../gen/roomgate/v1/gateway_pb.js";
import { redisUrl, uniquePrefix } from "../../../testkit/test-redis.js";
import { startTracing, type Tracing } from "../../tracing/sdk.js";
import { traced } from "../../tracing/spans.js";
import { RedisStore } from "../redis-store.js";

// Cluster events wait for others (EVENT_FLUSH_MS) on a timer, which carries the context of the
// call that published first: the batch is no request's work and must not show in its trace
// (test/tracing once found a "redis PUBLISH_EVENTS" span in a trace of another test's call).

let tracing: Tracing | undefined;
const exporter = new InMemorySpanExporter();
beforeAll(async () => {
  tracing = await startTracing({ serviceName: "events-untraced", env: {}, exporter });
});
afterAll(async () => {
  await tracing?.shutdown();
});

test("a batch of events published inside a traced call adds no span to its trace", async () => {
  const store = new RedisStore({ redis: redisUrl(), keyPrefix: uniquePrefix("untraced"), eventFlushMs: 5 });
  try {
    // A store script run inside the call is its span, as always: the tracing is on.
    await traced("request", {}, async () => {
      await store.getRoom("nobody");
      await store.publishEvent(create(ClusterEventSchema, { kind: ClusterEventKind.ROOM_REMOVED, roomId: "r1" }));
    });
    expect((await store.recentEvents()).map((e) => e.roomId)).toEqual(["r1"]);
    expect(
      exporter
        .getFinishedSpans()
        .map((s) => s.name)
        .sort(),
    ).toEqual(["redis GET_ROOMS", "request"]);
  } finally {
    await store.close();
  }
});
