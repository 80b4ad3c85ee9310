import { ComposedStore } from "./composed-store.js";
import { MemoryChannels, MemoryLeases } from "./memory/channels.js";
import { MemoryMigration } from "./memory/migration.js";
import { MemoryRooms } from "./memory/rooms.js";
import { MemorySeats } from "./memory/seats.js";
import { MemoryLiveness, MemoryServers } from "./memory/servers.js";
import { MemoryState } from "./memory/state.js";
import { MemorySpentTokens } from "./memory/tokens.js";

// The embedded store of a one-process deployment: every concern's part (memory/*.ts) over one
// MemoryState, lost when the process exits.

export class MemoryStore extends ComposedStore {
  private readonly channels: MemoryChannels;

  constructor() {
    const state = new MemoryState();
    const channels = new MemoryChannels();
    super({
      servers: new MemoryServers(state),
      liveness: new MemoryLiveness(state),
      rooms: new MemoryRooms(state),
      seats: new MemorySeats(state),
      migration: new MemoryMigration(state),
      channels,
      leases: new MemoryLeases(),
      tokens: new MemorySpentTokens(),
    });
    this.channels = channels;
  }

  async close() {
    this.channels.close();
  }
}
