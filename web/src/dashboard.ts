import { timestampMs } from "@bufbuild/protobuf/wkt";
import { ClusterChart } from "./dashboard-chart.js";
import { EventLog } from "./dashboard-events.js";
import { type FeedState, watchClusterFeed } from "./dashboard-feed.js";
import { ClusterView } from "./dashboard-view.js";
import { byTestId, setText } from "./dom.js";
import { formatClock } from "./format.js";

// The live cluster dashboard: one WatchCluster stream from the Gateway that served this page.

const view = new ClusterView();
const log = new EventLog();
const chart = new ClusterChart(byTestId("chart"));
const pill = byTestId("stream-state");
const updated = byTestId("last-update");
let countdown: ReturnType<typeof setInterval> | undefined;

function showState(s: FeedState) {
  clearInterval(countdown);
  pill.dataset.state = s.kind;
  // What is on screen is the last snapshot heard; say so while it may be out of date.
  document.body.toggleAttribute("data-stale", s.kind === "reconnecting");
  pill.title = s.kind === "reconnecting" ? s.error : "";
  if (s.kind === "connecting") setText(pill, "connecting");
  if (s.kind === "live") {
    setText(pill, "live");
    if (s.reconnected) log.note("Stream reconnected; events from while it was down are not listed.");
  }
  if (s.kind === "reconnecting") {
    chart.gap();
    const tick = () => setText(pill, `reconnecting in ${Math.max(0, (s.retryAt - Date.now()) / 1000).toFixed(1)} s`);
    tick();
    countdown = setInterval(tick, 100);
    setText(updated, `stream lost: ${s.error}`);
  }
}

watchClusterFeed(location.origin, {
  state: showState,
  snapshot(res) {
    const t = res.time ? timestampMs(res.time) : Date.now();
    view.render(res);
    log.add(res.events);
    chart.add(t, res.totalPlayers, res.totalRooms);
    setText(updated, `updated ${formatClock(new Date(t))}`);
  },
});
