import { ConfigError, int, str, type Values } from "../common/config.js";
import type { Logger } from "../common/log.js";
import {
  Autoscaler,
  type AutoscalerStore,
  PolicyError,
  type ScalePolicy,
  parsePolicies,
} from "../manager/autoscaler.js";
import { ProcessProvisioner } from "../manager/process-provisioner.js";

// Autoscaling settings of the `manager` command (AUTOSCALE_*): read and checked before the
// Manager binds, started once it serves (its game servers need its port).

export const PROVISIONERS = ["process"] as const;

export interface AutoscalingSettings {
  provisioner: (typeof PROVISIONERS)[number];
  policies: ScalePolicy[];
  /** JOIN_TOKEN_SECRETS or ROOMGATE_SECRET, REDIS_URL and REDIS_KEY_PREFIX, as this Manager has them. */
  secrets: Record<string, string>;
}

/** Undefined when autoscaling is off; a ConfigError for anything wrong or missing. */
export function autoscalingSettings(v: Values): AutoscalingSettings | undefined {
  const provisioner = str(v, "AUTOSCALE_PROVISIONER");
  const policy = str(v, "AUTOSCALE_POLICY");
  if (!provisioner) {
    if (policy)
      throw new ConfigError(
        "AUTOSCALE_POLICY is set but AUTOSCALE_PROVISIONER is not: name one (process) or unset the policy",
      );
    return undefined;
  }
  if (!(PROVISIONERS as readonly string[]).includes(provisioner))
    throw new ConfigError(`AUTOSCALE_PROVISIONER must be ${PROVISIONERS.join(" or ")}, got '${provisioner}'`);
  if (!policy)
    throw new ConfigError("AUTOSCALE_POLICY is required with AUTOSCALE_PROVISIONER, e.g. eu:buffer=4,min=1,max=5");
  let policies: ScalePolicy[];
  try {
    policies = parsePolicies(policy);
  } catch (e) {
    if (e instanceof PolicyError) throw new ConfigError(`AUTOSCALE_POLICY: ${e.message}`);
    throw e;
  }
  if (int(v, "AUTOSCALE_INTERVAL_MS") < 10) throw new ConfigError("AUTOSCALE_INTERVAL_MS must be at least 10");
  if (int(v, "AUTOSCALE_SERVER_CAPACITY") < 1 || int(v, "AUTOSCALE_SERVER_MAX_PLAYERS") < 1)
    throw new ConfigError("AUTOSCALE_SERVER_CAPACITY and AUTOSCALE_SERVER_MAX_PLAYERS must be at least 1");
  // The game servers it starts check join tokens with the same secrets and spend them in the same store.
  const secrets: Record<string, string> = {};
  for (const name of ["JOIN_TOKEN_SECRETS", "ROOMGATE_SECRET", "REDIS_URL", "REDIS_KEY_PREFIX"]) {
    const value = str(v, name);
    if (value) secrets[name] = value;
  }
  if (!secrets.JOIN_TOKEN_SECRETS && !secrets.ROOMGATE_SECRET)
    throw new ConfigError(
      "ROOMGATE_SECRET is required (or JOIN_TOKEN_SECRETS) with AUTOSCALE_PROVISIONER=process: the game servers it starts check join tokens with it",
    );
  return { provisioner: provisioner as AutoscalingSettings["provisioner"], policies, secrets };
}

/** Starts the loop; the returned stop gives the lease up and stops the servers it started. */
export function startAutoscaling(
  v: Values,
  a: AutoscalingSettings,
  store: AutoscalerStore,
  managerId: string,
  managerPort: number,
  log: Logger,
) {
  const host = str(v, "MANAGER_HOST") ?? "0.0.0.0";
  const reachable =
    host === "0.0.0.0" || host === "::" || host === "" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const provisioner = new ProcessProvisioner({
    env: {
      MANAGER_ADDRESS: str(v, "AUTOSCALE_MANAGER_ADDRESS") ?? `${reachable}:${managerPort}`,
      ...a.secrets,
      GAMESERVER_MAX_PLAYERS: String(int(v, "AUTOSCALE_SERVER_MAX_PLAYERS")),
      SHUTDOWN_TIMEOUT_MS: String(int(v, "SHUTDOWN_TIMEOUT_MS")),
    },
    maxRooms: int(v, "AUTOSCALE_SERVER_CAPACITY"),
    stopTimeoutMs: int(v, "SHUTDOWN_TIMEOUT_MS"),
    log,
  });
  const autoscaler = new Autoscaler({
    store,
    provisioner,
    policies: a.policies,
    intervalMs: int(v, "AUTOSCALE_INTERVAL_MS"),
    bootTimeoutMs: int(v, "AUTOSCALE_BOOT_TIMEOUT_MS"),
    managerId,
    log,
  });
  autoscaler.start();
  return { autoscaler, provisioner, stop: () => autoscaler.stop() };
}
