import type { Logger } from "../common/log.js";
import type { Liveness, OwnLoadAnswer, RoomCpuReport } from "../common/store/servers.js";
import { loadReports } from "./metrics.js";

// A game server that reaches the store writes its own load reports there (WRITE_LOAD_REPORTS,
// docs/protocol.md, Reports to the store), as it already writes its rooms' records: a report
// through the Manager costs the Manager a gRPC message in and one out, the most frequent thing a
// fleet asks of it. The store stamps the report with its own clock and the deadline the
// registration named, under the registration's epoch, so the store's answer proves what a
// Manager's report_answer proves, and renews the fencing lease the same way. It also says whether
// the Manager holding this server's stream still keeps its heartbeat in the store: one that lost
// the store cannot place rooms here or move them, so the server goes to another, as a Manager's
// store_down answer would have sent it.
//
// A write that fails hands reports back to the Manager, which records them (or says the store is
// down) as before; once a report through the Manager is recorded, the store is tried again.

/** All this server writes of its liveness. */
export type LoadWriterStore = Pick<Liveness, "recordOwnLoad">;

/** What a write came to: the store's answer (OwnLoadAnswer), or failed (nothing is known to be recorded). */
export type WriteOutcome = OwnLoadAnswer | "failed";

export interface WrittenLoad {
  players: number;
  roomCpu: RoomCpuReport[];
}

export class LoadWriter {
  /** The current registration's life; undefined: a Manager that predates writing, so reports go to it. */
  private life?: { epoch: number; deadlineMs: number };
  /** The last write failed: reports go to the Manager until one of those is recorded. */
  private failing = false;

  constructor(
    private readonly store: LoadWriterStore,
    private readonly serverId: string,
    private readonly log: Logger,
  ) {}

  /** A registration was answered with this epoch and deadline (0: its Manager predates them). */
  registered(epoch: number, deadlineMs: number) {
    this.life = epoch > 0 && deadlineMs > 0 ? { epoch, deadlineMs } : undefined;
  }

  /** The Manager recorded a report it was sent: the store answers it, so try writing again. */
  managerRecorded() {
    if (this.failing) this.log.info("writing load reports to the store again");
    this.failing = false;
  }

  /** Writes a report; undefined when this one goes to the Manager instead. Never rejects. */
  write(load: WrittenLoad): Promise<WriteOutcome> | undefined {
    const life = this.life;
    if (!life || this.failing) return undefined;
    loadReports.written++;
    return this.store
      .recordOwnLoad({ id: this.serverId, epoch: life.epoch, deadlineMs: life.deadlineMs, ...load })
      .then(
        (answer): WriteOutcome => answer,
        (e: unknown): WriteOutcome => {
          loadReports.failed++;
          if (!this.failing)
            this.log.warn("writing a load report to the store failed; reports go to the manager", {
              error: String(e),
            });
          this.failing = true;
          return "failed";
        },
      );
  }
}
