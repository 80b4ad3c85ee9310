// REGION_GATEWAYS: every region's Gateway, which ListRegions hands to clients to measure.

import { keyValuePairs } from "../common/config.js";

/** "eu=https://eu.example.com,us=https://us.example.com" (REGION_GATEWAYS). */
export function parseRegionGateways(text: string): { region: string; url: string }[] {
  const out: { region: string; url: string }[] = [];
  for (const { key: region, value: url, raw } of keyValuePairs(text)) {
    if (url === undefined || !/^[A-Za-z0-9_.-]+$/.test(region)) throw new Error(`REGION_GATEWAYS: '${raw}' is not region=url`);
    if (!/^https?:\/\/[^\s/]+/.test(url)) throw new Error(`REGION_GATEWAYS: the URL of ${region} must start with http:// or https://`);
    out.push({ region, url: url.replace(/\/+$/, "") });
  }
  return out;
}
