import { create } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { type GatewayActivity, GatewayActivitySchema } from "../gen/roomgate/v1/gateway_pb.js";

// Quick-join and listing activity on this Gateway over the last minute, for the dashboard: a ring
// of one-second buckets, so memory is fixed whatever the traffic and a read costs 60 additions.
// Each Gateway counts its own (the dashboard says so); the Prometheus counters in metrics.ts are
// the cluster-wide view, summed by the scraper.

const FIELDS = ["quickJoinsJoined", "quickJoinsCreated", "quickJoinsFailed", "listings", "roomsListed"] as const;
type Field = (typeof FIELDS)[number];
type Bucket = Record<Field, number> & { second: number };

export const ACTIVITY_WINDOW_MS = 60_000;
const SECONDS = ACTIVITY_WINDOW_MS / 1000;

export class Activity {
  private readonly ring: Bucket[] = Array.from({ length: SECONDS }, () => empty(-1));

  constructor(
    private readonly region = "",
    private readonly now: () => number = Date.now,
  ) {}

  add(field: Field, n = 1) {
    const second = Math.floor(this.now() / 1000);
    const slot = second % SECONDS;
    let b = this.ring[slot]!;
    if (b.second !== second) this.ring[slot] = b = empty(second);
    b[field] += n;
  }

  /** What the last minute held, as the dashboard stream carries it. */
  read(): GatewayActivity {
    const from = Math.floor(this.now() / 1000) - SECONDS + 1;
    const out = create(GatewayActivitySchema, { region: this.region, windowMs: ACTIVITY_WINDOW_MS });
    for (const b of this.ring) if (b.second >= from) for (const f of FIELDS) out[f] += b[f];
    return out;
  }

  /** Counts what JoinOrCreate and ListRooms answered; refusals by the limits or the rules count as failed joins. */
  interceptor(): Interceptor {
    return (next) => async (req) => {
      const method = req.method.name;
      if (method !== "JoinOrCreate" && method !== "ListRooms") return next(req);
      try {
        const res = await next(req);
        if (method === "ListRooms") {
          this.add("listings");
          this.add("roomsListed", (res.message as { rooms?: unknown[] }).rooms?.length ?? 0);
        } else {
          this.add((res.message as { created?: boolean }).created ? "quickJoinsCreated" : "quickJoinsJoined");
        }
        return res;
      } catch (e) {
        if (method === "JoinOrCreate") this.add("quickJoinsFailed");
        throw e;
      }
    };
  }
}

function empty(second: number): Bucket {
  return { second, quickJoinsJoined: 0, quickJoinsCreated: 0, quickJoinsFailed: 0, listings: 0, roomsListed: 0 };
}
