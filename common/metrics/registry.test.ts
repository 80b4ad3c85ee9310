import { registerComponent, scrape } from "./registry.js";

// Node's own metrics come with a component's, the event-loop delay included (sampled at
// registry.ts's interval rather than prom-client's 10 ms).

test("a component's process exports Node's metrics, event-loop delay included", async () => {
  registerComponent("gateway");
  const text = await scrape();
  expect(text).toMatch(/^roomgate_component_info\{component="gateway"\} 1$/m);
  for (const name of [
    "process_cpu_user_seconds_total",
    "nodejs_eventloop_lag_p99_seconds",
    "nodejs_heap_size_used_bytes",
  ])
    expect(text).toContain(`\n${name}`);
});
