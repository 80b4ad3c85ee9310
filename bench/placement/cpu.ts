import { CpuSampler, type CpuSample } from "../lib/cpu.js";

// The placement benchmark's CPU figures by role: the Manager, Redis, this process, and the rest of
// the machine (see lib/cpu.ts for how each is read).

export interface CpuSeconds {
  manager?: number;
  redis?: number;
  /** This process: the allocation client and the simulated fleet. */
  client?: number;
  /** Every other process on the machine. */
  others?: number;
  /** Taken by the hypervisor. */
  steal?: number;
}

export class PlacementCpu extends CpuSampler {
  constructor(pids: { manager: number | undefined; redis: number | undefined }) {
    super([
      { name: "manager", pid: pids.manager },
      { name: "redis", pid: pids.redis },
      { name: "client", pid: process.pid },
    ]);
  }

  seconds(a: CpuSample, b: CpuSample): CpuSeconds {
    const d = this.between(a, b);
    const of = (name: string) => d.procs.find((p) => p.name === name)?.seconds;
    return { manager: of("manager"), redis: of("redis"), client: of("client"), others: d.others, steal: d.steal };
  }
}
