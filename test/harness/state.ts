// The run's shared Redis now lives in testkit (the store contract kit uses it too).
export { redisUrl, uniquePrefix } from "../../testkit/test-redis";
