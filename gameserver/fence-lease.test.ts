import { FenceLease } from "./fence-lease";

// The lease arithmetic on a fake clock: what runs the lease is the send time of the answered
// report, never the time its answer arrived.

const FENCE_MS = 2000;
const GRACE_MS = 10_000;

function lease() {
  const clock = { t: 1000 };
  const l = new FenceLease({ storeOutageGraceMs: GRACE_MS, now: () => clock.t });
  return { l, clock };
}

/** A lease whose registration was answered at once. */
function registeredLease() {
  const held = lease();
  held.l.registering();
  held.l.registered(FENCE_MS);
  return held;
}

test("a registration's answer holds the lease from when the registration left", () => {
  const { l, clock } = lease();
  l.registering();
  expect(l.check()).toBe("ok");
  expect(l.held).toBe(false);
  clock.t += 300; // the answer takes its time
  l.registered(FENCE_MS);
  expect(l.held).toBe(true);
  expect(l.leaseUntil).toBe(1000 + FENCE_MS);
});

test("fencing off: no lease, nothing to do however long nobody answers", () => {
  const { l, clock } = lease();
  l.registering();
  l.registered(0);
  clock.t += 1_000_000;
  expect(l.held).toBe(false);
  expect(l.check()).toBe("ok");
});

test("renew at half, abandon at a quarter without an answer, fence when it runs out", () => {
  const { l, clock } = registeredLease();
  clock.t += FENCE_MS / 2 - 1;
  expect(l.check()).toBe("ok");
  clock.t += 2;
  expect(l.check()).toBe("renew");
  l.sent(1);
  l.renewing();
  // One renewal per answer: the next look does not renew again.
  expect(l.check()).toBe("ok");
  clock.t = 1000 + (FENCE_MS * 3) / 4 + 1;
  expect(l.check()).toBe("abandon");
  clock.t = 1000 + FENCE_MS;
  expect(l.check()).toBe("fence");
  // A late answer still counts, from the report's send time.
  l.answered(1, false);
  expect(l.leaseUntil).toBe(1000 + FENCE_MS / 2 + 1 + FENCE_MS);
  expect(l.check()).toBe("ok");
});

test("an answer never shortens the lease, and one for an unknown report changes nothing", () => {
  const { l, clock } = lease();
  l.registering();
  l.sent(1); // reports 1 and 2 of this stream
  clock.t += 100;
  l.sent(2);
  l.registered(FENCE_MS);
  expect(l.answered(2, false)).toBe(true);
  expect(l.leaseUntil).toBe(1100 + FENCE_MS);
  // Report 1 was older: answered (in order) with 2, it is gone.
  expect(l.answered(1, false)).toBe(false);
  expect(l.answered(7, false)).toBe(false);
  expect(l.leaseUntil).toBe(1100 + FENCE_MS);
});

test("a new stream forgets the old one's reports", () => {
  const { l, clock } = registeredLease();
  l.sent(1);
  clock.t += 500;
  l.registering(); // another Manager
  expect(l.answered(1, false)).toBe(false);
  expect(l.leaseUntil).toBe(1000 + FENCE_MS);
});

test("store-down answers extend the lease for the outage grace from the first of them, not longer", () => {
  const { l, clock } = registeredLease();
  let seq = 0;
  const firstDownAt = clock.t + 500;
  for (clock.t = firstDownAt; clock.t < firstDownAt + 2 * GRACE_MS; clock.t += 500) {
    l.sent(++seq);
    l.answered(seq, true);
    expect(l.storeDown).toBe(true);
  }
  expect(l.leaseUntil).toBe(firstDownAt + GRACE_MS);
  clock.t = firstDownAt + GRACE_MS;
  expect(l.check()).toBe("fence");
  // A recorded report ends the run: the lease is a normal one again.
  l.sent(++seq);
  l.answered(seq, false);
  expect(l.storeDown).toBe(false);
  expect(l.leaseUntil).toBe(clock.t + FENCE_MS);
});

test("a registration the store could not record keeps the lease within the grace", () => {
  const { l, clock } = registeredLease();
  clock.t += 800;
  l.registering(); // the Manager went away; another one's store is down too
  clock.t += 50;
  expect(l.answered(0, true)).toBe(true);
  expect(l.leaseUntil).toBe(1800 + FENCE_MS);
});

test("lost: no lease until the next registration is answered", () => {
  const { l, clock } = registeredLease();
  clock.t += FENCE_MS;
  expect(l.check()).toBe("fence");
  l.lost();
  expect(l.check()).toBe("ok");
  l.registering();
  l.registered(FENCE_MS);
  expect(l.leaseUntil).toBe(clock.t + FENCE_MS);
});

test("every Manager refusing (their processes gone) holds the lease for two leases from the round's start", () => {
  const { l, clock } = registeredLease();
  clock.t += FENCE_MS - 10;
  l.allRefused(clock.t - 5);
  expect(l.leaseUntil).toBe(clock.t - 5 + 2 * FENCE_MS);
  // Never shortens it, and is nothing without a lease.
  l.allRefused(0);
  expect(l.leaseUntil).toBe(clock.t - 5 + 2 * FENCE_MS);
  l.lost();
  l.allRefused(clock.t);
  expect(l.held).toBe(false);
});

test("a registration answered after its lease ran out is expired at once", () => {
  const { l, clock } = lease();
  l.registering();
  clock.t += FENCE_MS + 1;
  l.registered(FENCE_MS);
  expect(l.expired).toBe(true);
  expect(l.check()).toBe("fence");
});

test("a report unanswered for a quarter lease: leave for another Manager before the renewal is due", () => {
  const { l, clock } = registeredLease();
  l.sent(1);
  clock.t += FENCE_MS / 4;
  expect(l.check()).toBe("ok");
  clock.t += 1;
  expect(l.check()).toBe("abandon");
  l.answered(1, false);
  expect(l.check()).toBe("ok");
});
