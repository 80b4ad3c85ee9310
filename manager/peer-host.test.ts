import { peerHostOf } from "./service.js";

test("the address a stream comes from, in each form grpc-js and others write it", () => {
  expect(peerHostOf("10.0.0.7:51234")).toBe("10.0.0.7");
  expect(peerHostOf("::ffff:127.0.0.1:40000")).toBe("::ffff:127.0.0.1");
  expect(peerHostOf("::1:40000")).toBe("::1");
  expect(peerHostOf("ipv4:10.0.0.7:51234")).toBe("10.0.0.7");
  expect(peerHostOf("ipv6:[::1]:51234")).toBe("::1");
  expect(peerHostOf("unix:/tmp/sock")).toBeUndefined();
  expect(peerHostOf("")).toBeUndefined();
});
