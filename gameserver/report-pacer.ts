// When a game server sends its load report. Every report interval it looks at its load; it sends
// when the load changed since the last report sent, and otherwise only when the next look would
// leave it silent for longer than the heartbeat the Manager asked for (Registered.
// heartbeat_interval_ms): an idle fleet costs its Manager a fraction of the reports, and the death
// deadline (report_interval_ms x MISSED_REPORTS of silence) is what it always was.

/** What a report says: its players and rooms, and whether any logic room's CPU time moved. */
export interface Load {
  players: number;
  rooms: number;
  cpuMoved: boolean;
}

export class ReportPacer {
  private last?: Load;
  /** Report intervals since the last report sent. */
  private silent = 0;
  /** Intervals it may stay silent; 1: a report every interval. */
  private heartbeatTicks = 1;

  constructor(private readonly reportIntervalMs: number) {}

  /** A new registration: the Manager's heartbeat (0: none, report every interval), and a report due now. */
  registered(heartbeatIntervalMs: number) {
    this.heartbeatTicks = Math.max(1, Math.floor(heartbeatIntervalMs / this.reportIntervalMs));
    this.last = undefined;
  }

  /** One report interval passed; true when this load is to be sent now. */
  due(load: Load): boolean {
    this.silent++;
    const changed = !this.last || load.cpuMoved || load.players !== this.last.players || load.rooms !== this.last.rooms;
    if (!changed && this.silent < this.heartbeatTicks) return false;
    this.sent(load);
    return true;
  }

  /** A report went out at once (right after registering). */
  sent(load: Load) {
    this.last = load;
    this.silent = 0;
  }
}
