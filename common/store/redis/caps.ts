import type { Holder } from "../caps.js";
import { shortHash } from "./hashes.js";

// The arguments the scripts that make rooms or hold seats take for the caller's caps (lua/includes/caps.lua).

/** The holder as script arguments: a fixed-length hash of its id (any length, any characters) and its caps. */
export function holderArgs(h: Holder | undefined) {
  if (!h || (h.maxUnjoinedRooms <= 0 && h.maxUnusedSeats <= 0)) return { holder: "", maxRooms: 0, maxSeats: 0 };
  return { holder: shortHash(h.id), maxRooms: h.maxUnjoinedRooms, maxSeats: h.maxUnusedSeats };
}
