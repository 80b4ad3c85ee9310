// Which commands a setting belongs to, and the shape of one row of the settings table.

export type Component = "up" | "gateway" | "manager" | "gameserver" | "drain" | "servers";

export interface Setting {
  env: string;
  help: string;
  default?: string;
  /** A "bool" flag may stand alone (`--insecure-internal` means true); read it with bool(). */
  kind: "string" | "int" | "bool";
  for: Component[];
}

export const ALL: Component[] = ["up", "gateway", "manager", "gameserver"];
/** Operator commands that talk to a Manager. */
export const OPS: Component[] = ["drain", "servers"];
export const GW: Component[] = ["up", "gateway"];
export const MG: Component[] = ["up", "manager"];
export const GS: Component[] = ["up", "gameserver"];
