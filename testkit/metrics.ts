import { TEST_ADMIN_TOKEN } from "./client.js";
import type { Proc } from "./cluster.js";

// Reading a component's admin listener from a test: where it listens (its log line), a scrape
// parsed into samples, and a probe's status.

/** The admin port a process logged ("admin listening"); it logs it before its ready line. */
export function adminPort(proc: Proc): number {
  const line = proc.lines.find((l) => l.msg === "admin listening");
  if (!line) throw new Error(`${proc.name} has no admin listener (METRICS_PORT unset?)`);
  return Number(line.port);
}

/** Samples by series as the exposition writes it: `name` or `name{label="value",...}`. */
export type Samples = Map<string, number>;

/** Sends the token clusters start with (a process without ADMIN_TOKEN ignores it). */
export async function scrape(port: number, token = TEST_ADMIN_TOKEN): Promise<Samples> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 200) throw new Error(`GET /metrics: ${res.status} ${await res.text()}`);
  const samples: Samples = new Map();
  for (const line of (await res.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}

/** One series' value, 0 when absent (a counter not yet created). */
export function value(s: Samples, series: string): number {
  return s.get(series) ?? 0;
}

/** The sum of one series over several scrapes (the same metric on every game server). */
export function total(scrapes: Samples[], series: string): number {
  return scrapes.reduce((sum, s) => sum + value(s, series), 0);
}

export async function probe(port: number, path: "/healthz" | "/readyz"): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.json() };
}

/** Probes until the status is `status` (as a kubelet would, every 50 ms) or fails after timeoutMs. */
export async function probeUntil(port: number, path: "/healthz" | "/readyz", status: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let last = await probe(port, path);
  while (last.status !== status) {
    if (Date.now() > deadline)
      throw new Error(`${path} on ${port} still ${last.status} ${JSON.stringify(last.body)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
    last = await probe(port, path);
  }
  return last;
}
