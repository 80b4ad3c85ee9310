// Redis key names of the store. Per-room and per-server keys (never one hash of all rooms), so no
// operation grows with the number of rooms in the cluster:
//   {prefix}room:{roomId}          hash   the room, where it lives and its held seats (lua/includes/room.lua)
//   {prefix}server:{id}            hash   address, capacity, reservations, state, epoch
//   {prefix}server:{id}:rooms      hash   rooms mapped to the server (ids -> '')
//   {prefix}servers                set    server ids
//   {prefix}epoch                  string the last epoch given to any server (register.lua)
//   {prefix}expiry                 zset   server ids by when they count as dead without a report
//   {prefix}mgr:{managerId}        string present while that Manager is alive (expires)
//   {prefix}idem:{requestId}       string room id, expires
//   {prefix}snap:{roomId}          string the room's last snapshot (RoomSnapshot, binary)
//   {prefix}opening                zset   OPENING rooms by the time another Manager may reclaim them
//   {prefix}moving                 zset   MOVING rooms by the time their move may be claimed
//   {prefix}lease:{name}           string the lease holder's name, expiring (PX) with the lease
//   {prefix}spent:{tokenId}        string a spent join token's id, expiring (PX) with the token
//   {prefix}events                 pub/sub channel of ClusterEvent (protobuf binary)
//   {prefix}events:recent          list   the latest ClusterEvents, newest first (trimmed, expiring)
//   {prefix}bus                    pub/sub channel of ManagerBusMessage (protobuf binary)
// and the placement, seat, listing and per-caller cap indexes described in lua/includes/*.lua. Scripts derive
// server and room keys from the prefix themselves, so they assume a single Redis (or a primary
// with replicas), not Redis Cluster.

export class RedisKeys {
  constructor(readonly prefix: string) {}

  room(id: string) {
    return `${this.prefix}room:${id}`;
  }
  server(id: string) {
    return `${this.prefix}server:${id}`;
  }
  serverRooms(id: string) {
    return `${this.prefix}server:${id}:rooms`;
  }
  get servers() {
    return `${this.prefix}servers`;
  }
  get expiry() {
    return `${this.prefix}expiry`;
  }
  manager(id: string) {
    return `${this.prefix}mgr:${id}`;
  }
  idempotency(requestId: string) {
    return `${this.prefix}idem:${requestId}`;
  }
  snapshot(roomId: string) {
    return `${this.prefix}snap:${roomId}`;
  }
  get opening() {
    return `${this.prefix}opening`;
  }
  get moving() {
    return `${this.prefix}moving`;
  }
  /** A listing: every public room, or only joinable ones, of a mode and region ("" for any). */
  listing(includeFull: boolean, mode: string, region: string) {
    return `${this.prefix}${includeFull ? "ls" : "lj"}:${mode || "*"}:${region || "*"}`;
  }
  spentToken(tokenId: string) {
    return `${this.prefix}spent:${tokenId}`;
  }
  lease(name: string) {
    return `${this.prefix}lease:${name}`;
  }
  get events() {
    return `${this.prefix}events`;
  }
  get recentEvents() {
    return `${this.prefix}events:recent`;
  }
  get bus() {
    return `${this.prefix}bus`;
  }
}
