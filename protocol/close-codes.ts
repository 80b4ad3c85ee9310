// WebSocket close codes of the room protocol: the game server closes with them and the SDK reads
// them (RFC 6455 section 7.4; 4000 and up are ours).
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  tooBig: 1009,
  /** The Manager closed the room, or nobody kept it alive. */
  roomClosed: 4000,
  /** Another connection took this player's seat. */
  replaced: 4001,
  /** The room is moving to another server (drain); rejoin through the Gateway. */
  moved: 4002,
} as const;
