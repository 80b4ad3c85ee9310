// What the autoscaler asks for servers: one interface, one implementation per place servers can
// come from. `process` (process-provisioner.ts) starts `roomgate gameserver` processes on this
// host; a Kubernetes provisioner would scale a Deployment or an Agones Fleet (see the README,
// "Autoscaling"). A provisioner only starts and stops servers: they join the cluster by
// registering with a Manager like any other game server, and the store stays the one view of
// what is live.

/** A server a provisioner started and has not been asked to stop. */
export interface ProvisionedServer {
  /** The id it registers with (GAMESERVER_ID), so the autoscaler can find it in the store. */
  serverId: string;
  region: string;
  /** When it was asked for: a server that never registers is given up after a boot timeout. */
  startedAtMs: number;
  /** Room slots it will register with; counted as free capacity while it boots. */
  maxRooms: number;
}

export interface Provisioner {
  /** A short name for logs ("process", "kubernetes"...). */
  readonly name: string;
  /**
   * Asks for one more game server in the region. Resolves once it is on its way (a process
   * spawned, a pod requested), not once it serves: it registers with a Manager soon after, under
   * the returned id. Rejects when the server cannot be asked for at all.
   */
  start(region: string): Promise<{ serverId: string }>;
  /**
   * Stops a server this provisioner started: it drains (takes no new rooms, hands over what it
   * holds) and exits. The autoscaler stops only servers it has made DRAINING and found empty.
   * Resolves once it is gone; a server this provisioner does not know is a no-op.
   */
  stop(serverId: string): Promise<void>;
  /**
   * The servers it started that are starting or running, without those it is stopping, so the
   * autoscaler counts servers still booting (not in the store yet) and never asks twice.
   */
  list(): Promise<ProvisionedServer[]>;
  /** Room slots a server started now in the region will register with. */
  expectedMaxRooms(region: string): number;
  /**
   * The Manager is shutting down cleanly: what becomes of the servers it started (the process
   * provisioner stops them; a cluster provisioner would leave them to the cluster).
   */
  close(): Promise<void>;
}
