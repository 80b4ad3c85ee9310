// WebSocket close codes of the room protocol: the game server closes with them and the SDK reads
// them (RFC 6455 section 7.4; 4000 and up are ours).
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  tooBig: 1009,
  /** The server could not admit the player just now (its store is unreachable); ask the Gateway again. */
  tryAgainLater: 1013,
  /** The Manager closed the room, or nobody kept it alive. */
  roomClosed: 4000,
  /** Another connection took this player's seat. */
  replaced: 4001,
  /** The room is moving to another server (drain); rejoin through the Gateway. */
  moved: 4002,
  /**
   * From a client: it gives up on this connection (no welcome in time) and will try again. Only
   * `normal` (1000) from a client is a leave; any other close leaves the player expected back.
   */
  retrying: 4003,
  /** The room's logic turned this player away (its onJoin refused); the reason says why, for the player. */
  refused: 4004,
} as const;
