// A Matchmaker whose room store fails every call, for the tests of how a store outage surfaces.

import { MemoryStore } from "../common/store/memory-store.js";
import type { JoinTokens } from "../common/token.js";
import type { MatchStore } from "../gateway/matchmaking/dependencies.js";
import { Matchmaker } from "../gateway/matchmaking/matchmaker.js";
import { FakeAllocator } from "./fake-allocator.js";

export function matchmakerWithDownStore(tokens: JoinTokens): Matchmaker {
  const down = () => Promise.reject(new Error("connection lost"));
  const store: MatchStore = {
    getRoom: down,
    holdSeat: down,
    joinPublic: down,
    listRooms: down,
    acquireLease: down,
    subscribeEvents: down,
    handOnToken: down,
  };
  return new Matchmaker({
    store,
    allocator: new FakeAllocator(new MemoryStore()),
    tokens,
    joinTokenTtlMs: 1000,
    defaultMaxPlayers: 2,
    maxPlayersLimit: 2,
  });
}
