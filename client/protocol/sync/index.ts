// @roomgate/client/sync (also roomgate/sync): the client's side of a logic room's wire, for the SDK
// and for games that speak to a room without it: apply the frames a room sends, and encode inputs.
export { type AppliedFrame, applyServerFrame, createStateReplica, type StateReplica } from "./replica.js";
export { decodeValue, encodeValue, type WireValue } from "./values.js";
export { FRAME, WireError } from "./wire.js";
