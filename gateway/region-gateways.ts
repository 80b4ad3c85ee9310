// REGION_GATEWAYS: every region's Gateway, which ListRegions hands to clients to measure.

import { RegionLatencySchema } from "../gen/roomgate/v1/common_pb.js";
import { keyValuePairs } from "../common/config.js";
import { describeViolations, fieldViolations } from "../common/validation.js";

/** "eu=https://eu.example.com,us=https://us.example.com" (REGION_GATEWAYS). */
export function parseRegionGateways(text: string): { region: string; url: string }[] {
  const out: { region: string; url: string }[] = [];
  for (const { key: region, value: url, raw } of keyValuePairs(text)) {
    if (url === undefined) throw new Error(`REGION_GATEWAYS: '${raw}' is not region=url`);
    // Clients send each region back in RegionLatency: a name it refuses is of no use here.
    const broken = fieldViolations(RegionLatencySchema, { region }, "region");
    if (broken.length > 0)
      throw new Error(`REGION_GATEWAYS: '${raw}' is not region=url (${describeViolations(broken)})`);
    if (!/^https?:\/\/[^\s/]+/.test(url))
      throw new Error(`REGION_GATEWAYS: the URL of ${region} must start with http:// or https://`);
    out.push({ region, url: url.replace(/\/+$/, "") });
  }
  return out;
}
