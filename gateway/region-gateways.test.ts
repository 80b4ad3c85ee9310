import { parseRegionGateways } from "./region-gateways";

test("REGION_GATEWAYS: region=url pairs, trailing slashes dropped", () => {
  expect(parseRegionGateways("eu=https://eu.example.com/, us=http://127.0.0.1:8081")).toEqual([
    { region: "eu", url: "https://eu.example.com" },
    { region: "us", url: "http://127.0.0.1:8081" },
  ]);
});

test("a region name clients could not send back (RegionLatency in common.proto), a pair without a URL, or a URL that is not http(s) is refused", () => {
  expect(() => parseRegionGateways("eu west=https://x")).toThrow(
    "REGION_GATEWAYS: 'eu west=https://x' is not region=url (region: does not match regex pattern",
  );
  expect(() => parseRegionGateways("eu")).toThrow("REGION_GATEWAYS: 'eu' is not region=url");
  expect(() => parseRegionGateways("eu=ftp://x")).toThrow(
    "REGION_GATEWAYS: the URL of eu must start with http:// or https://",
  );
});
