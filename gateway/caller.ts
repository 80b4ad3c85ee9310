import type { ContextValues } from "@connectrpc/connect";
import { clientKey } from "./client-address.js";
import type { Caller } from "./matchmaking/matchmaker.js";
import { playerKey } from "./player-auth.js";

// Who calls, as the adapter (the client's address, client-address.ts) and the player-auth
// interceptor (the verified player) left it in the call's context. Its one string form is
// callerId (matchmaking/matchmaker.ts): request_id scopes, rate limits and caps key on it.

/** The caller of a call, from its context values (an interceptor's req.contextValues, a handler's ctx.values). */
export function callerOf(values: ContextValues | undefined): Caller {
  return { address: values?.get(clientKey) ?? "", player: values?.get(playerKey) };
}
