import { RegisterSchema } from "../../gen/roomgate/v1/manager_pb.js";
import { describeViolations, fieldViolations } from "../validation.js";
import { ConfigError } from "./read.js";

// "k=v" lists in settings (GAMESERVER_LABELS, REGION_GATEWAYS), and the label rules they must meet;
// a game server's id and its rule.

/** "k=v,k2=v2" split into trimmed pairs; `raw` is the pair as written, `value` undefined without "=". */
export function keyValuePairs(text: string): { key: string; value?: string; raw: string }[] {
  return text
    .split(",")
    .map((raw) => raw.trim())
    .filter((raw) => raw !== "")
    .map((raw) => {
      const eq = raw.indexOf("=");
      return eq < 0 ? { key: raw, raw } : { key: raw.slice(0, eq).trim(), value: raw.slice(eq + 1).trim(), raw };
    });
}

/**
 * "k=v,k2=v2" into a game server's labels, held to the rules of the labels it registers with
 * (Register.labels in manager.proto): the .proto is the one place those rules are written.
 */
export function parseLabels(text: string, key: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const { key: k, value = "" } of keyValuePairs(text)) labels[k] = value;
  const broken = fieldViolations(RegisterSchema, { labels }, "labels");
  if (broken.length > 0) throw new ConfigError(`${key}: ${describeViolations(broken)}`);
  return labels;
}

/** A game server's id, held to the rule of the id it registers with (Register.server_id). */
export function checkServerId(id: string, key: string): string {
  const broken = fieldViolations(RegisterSchema, { serverId: id }, "server_id");
  if (broken.length > 0) throw new ConfigError(`${key}: ${describeViolations(broken)}`);
  return id;
}
