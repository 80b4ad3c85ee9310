// The order a game server's stream messages are applied in. Events of one room keep the order
// they were sent (a room's opened before its players, before its closed), but rooms do not wait
// for each other: a room's clean-up never queues behind another room's store calls, and several
// rooms' calls share one round trip to the store. Messages about the whole server (registration,
// draining, the stream's end) are barriers: they wait for everything before them, and everything
// after waits for them (a drained server is removed only after the rooms it handed over are).

export class EventOrder {
  /** The last barrier, or nothing yet. */
  private barrier: Promise<unknown> = Promise.resolve();
  /** The last event of each room with one still running since the last barrier. */
  private readonly rooms = new Map<string, Promise<unknown>>();

  /** `failed` hears what a message's work throws; the next message runs anyway. */
  constructor(private readonly failed: (e: unknown) => void) {}

  /** Runs `fn` once the last barrier and this room's earlier events are done. */
  room(roomId: string, fn: () => Promise<unknown>) {
    const done = (this.rooms.get(roomId) ?? this.barrier).then(fn).catch(this.failed);
    this.rooms.set(roomId, done);
    void done.then(() => {
      if (this.rooms.get(roomId) === done) this.rooms.delete(roomId);
    });
  }

  /** Runs `fn` once everything before it is done; everything after waits for it. */
  server(fn: () => Promise<unknown>) {
    const before = this.rooms.size === 0 ? this.barrier : Promise.all([this.barrier, ...this.rooms.values()]);
    this.rooms.clear();
    this.barrier = before.then(fn).catch(this.failed);
  }

  /** Rooms with events still running (for tests). */
  get busyRooms(): number {
    return this.rooms.size;
  }
}
