import { ComposedStore } from "./composed-store.js";
import { checkEventHistory, DEFAULT_EVENT_HISTORY, type EventHistoryLimits } from "./event-history.js";
import { MemoryChannels, MemoryLeases } from "./memory/channels.js";
import { MemoryMigration } from "./memory/migration.js";
import { MemoryRooms } from "./memory/rooms.js";
import { MemorySeats } from "./memory/seats.js";
import { MemoryLiveness, MemoryServers } from "./memory/servers.js";
import { MemoryState } from "./memory/state.js";
import { MemorySpentTokens } from "./memory/tokens.js";

// The embedded store of a one-process deployment: every concern's part (memory/*.ts) over one
// MemoryState, lost when the process exits.

export interface MemoryStoreOptions {
  /** How many recent cluster events are kept, and for how long. */
  eventHistory?: EventHistoryLimits;
}

export class MemoryStore extends ComposedStore {
  private readonly channels: MemoryChannels;

  constructor(options: MemoryStoreOptions = {}) {
    const state = new MemoryState();
    const channels = new MemoryChannels(checkEventHistory(options.eventHistory ?? DEFAULT_EVENT_HISTORY));
    const tokens = new MemorySpentTokens();
    super({
      servers: new MemoryServers(state),
      liveness: new MemoryLiveness(state),
      rooms: new MemoryRooms(state, tokens),
      seats: new MemorySeats(state),
      migration: new MemoryMigration(state),
      channels,
      leases: new MemoryLeases(),
      tokens,
    });
    this.channels = channels;
  }

  async close() {
    this.channels.close();
  }
}
