import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { forgetToken, storedToken, storeToken, takeTokenFromLink } from "./admin-token.js";
import { ClusterChart } from "./dashboard-chart.js";
import { EventLog } from "./dashboard-events.js";
import { type FeedState, watchClusterFeed } from "./dashboard-feed.js";
import { ClusterView } from "./dashboard-view.js";
import { byTestId, setText } from "./dom.js";
import { formatClock } from "./format.js";

// The live cluster dashboard: one WatchCluster stream from the Gateway that served this page,
// opened with the operator's token (asked for once per tab).

const view = new ClusterView();
const log = new EventLog();
const chart = new ClusterChart(byTestId("chart"));
const pill = byTestId("stream-state");
const updated = byTestId("last-update");
let countdown: ReturnType<typeof setInterval> | undefined;
const gate = byTestId("admin-gate");
const gateMessage = byTestId("admin-gate-message");
const form = byTestId<HTMLFormElement>("admin-form");
const tokenInput = byTestId<HTMLInputElement>("admin-token");

/** Shows the token form with why it is there; without `canRetry`, only the reason (no token will do). */
function lock(message: string, canRetry: boolean) {
  document.body.toggleAttribute("data-locked", true);
  pill.dataset.state = "locked";
  setText(pill, "locked");
  gate.hidden = false;
  form.hidden = !canRetry;
  setText(gateMessage, message);
  if (canRetry) tokenInput.focus();
}

function showState(s: FeedState) {
  clearInterval(countdown);
  pill.dataset.state = s.kind;
  // What is on screen is the last snapshot heard; say so while it may be out of date.
  document.body.toggleAttribute("data-stale", s.kind === "reconnecting");
  pill.title = s.kind === "reconnecting" ? s.error : "";
  if (s.kind === "connecting") setText(pill, "connecting");
  if (s.kind === "live") {
    setText(pill, "live");
    if (s.reconnected)
      log.note("Stream reconnected; events from while it was down are listed as far as the store kept them.");
  }
  if (s.kind === "denied") {
    if (s.code === Code.Unauthenticated) {
      forgetToken();
      lock(`The Gateway refused this token (${s.error}). Enter its ADMIN_TOKEN.`, true);
    } else {
      lock(`${s.error}. Restart the Gateway with ADMIN_TOKEN set, then reload this page.`, false);
    }
  }
  if (s.kind === "reconnecting") {
    chart.gap();
    const tick = () => setText(pill, `reconnecting in ${Math.max(0, (s.retryAt - Date.now()) / 1000).toFixed(1)} s`);
    tick();
    countdown = setInterval(tick, 100);
    setText(updated, `stream lost: ${s.error}`);
  }
}

function open(token: string) {
  document.body.toggleAttribute("data-locked", false);
  gate.hidden = true;
  watchClusterFeed(location.origin, token, {
    state: showState,
    snapshot(res) {
      const t = res.time ? timestampMs(res.time) : Date.now();
      view.render(res);
      log.add(res.events);
      chart.add(t, res.totalPlayers, res.totalRooms);
      setText(updated, `updated ${formatClock(new Date(t))}`);
    },
  });
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  const token = tokenInput.value.trim();
  if (!token) return;
  tokenInput.value = "";
  storeToken(token);
  open(token);
});

takeTokenFromLink();
const token = storedToken();
if (token) open(token);
else
  lock(
    "The cluster dashboard is for operators: enter the Gateway's ADMIN_TOKEN (roomgate up prints a link that carries it).",
    true,
  );
