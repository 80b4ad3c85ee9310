import { startComponent, type Proc } from "../../testkit/cluster.js";

// One real Manager, a separate process from the built CLI, with its default settings: nothing in
// them limits a single caller (rate limits live in the Gateway), so the figures are the defaults'.

export interface ManagerProcess {
  proc: Proc;
  address: string;
  stop(): Promise<void>;
}

const KILL_AFTER_MS = 15_000;

export async function startManagerProcess(
  redisUrl: string,
  keyPrefix: string,
  name: string,
  /** Another build's CLI (the rooms benchmark's baseline checkout); this checkout's by default. */
  cli?: string,
  env: Record<string, string> = {},
): Promise<ManagerProcess> {
  const { proc, port } = await startComponent(
    "manager",
    {
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: keyPrefix,
      MANAGER_HOST: "127.0.0.1",
      MANAGER_PORT: "0",
      MANAGER_ID: name,
      ...env,
    },
    name,
    "manager",
    cli,
  );
  return {
    proc,
    address: `127.0.0.1:${port}`,
    stop: async () => {
      const t = setTimeout(() => proc.kill("SIGKILL"), KILL_AFTER_MS);
      await proc.kill("SIGTERM");
      clearTimeout(t);
    },
  };
}
