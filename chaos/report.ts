import type { ChaosResult } from "./run-chaos.js";

// The chaos run as a table for the terminal and as a picture: recovery time per fault.

export function table(r: ChaosResult): string {
  const head = [
    "fault",
    "rooms lost",
    "duplicated",
    "state lost",
    "rooms moved",
    "manual rejoins",
    "client errors",
    "recovery",
    "worst outage",
  ];
  const rows = r.faults.map((f) => [
    f.fault,
    String(f.roomsLost),
    String(f.duplicatedRooms),
    stateLost(f),
    String(f.roomsMoved),
    String(f.manualRejoins),
    `${f.clientErrors}/${f.clientAttempts}`,
    `${(f.recoveryMs / 1000).toFixed(2)} s`,
    `${(f.worstOutageMs / 1000).toFixed(2)} s`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
  const out = [line(head), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...rows.map(line)];
  const errors = r.faults.flatMap((f) =>
    f.errors.map(
      (e) =>
        `  ${f.fault}, ${e.phase}${e.inherent ? ` (${e.inherent}: inherent)` : ""}, +${(e.failedMs / 1000).toFixed(2)} s: [${e.code}] ${e.message}`,
    ),
  );
  if (errors.length) out.push("", "client errors (fault, phase, time since the fault began):", ...errors);
  const lost = r.faults.flatMap((f) =>
    f.lostRooms.map((l) => `  ${f.fault}: room ${l.roomId}\n    ${l.why.join("\n    ")}`),
  );
  if (lost.length) out.push("", "rooms lost, and why they were given up:", ...lost);
  const dups = r.faults.flatMap((f) =>
    f.duplicates.map(
      (d) =>
        `  ${f.fault}: room ${d.roomId} opened on ${d.newServer} at +${(d.openedElsewhereMs / 1000).toFixed(2)} s; its copy on ${d.oldServer} took input ${d.tookInputForMs} ms longer\n    ${d.why.join("\n    ")}`,
    ),
  );
  if (dups.length) out.push("", "duplicated rooms (a copy took input after the room opened elsewhere):", ...dups);
  const notes = r.faults.flatMap((f) => f.notes.map((n) => `  ${f.fault}: ${n}`));
  if (notes.length) out.push("", "notes:", ...notes);
  out.push(
    "",
    r.inconsistencies.length
      ? `store inconsistencies:\n  ${r.inconsistencies.join("\n  ")}`
      : "store consistent: every reservation matches the rooms mapped to its server",
  );
  return out.join("\n");
}

/** Acknowledged moves missing after a player was welcomed again: how many, and the longest stretch of one player's. */
const stateLost = (f: ChaosResult["faults"][number]) =>
  f.stateLost.updates === 0
    ? "0"
    : `${f.stateLost.updates} moves of ${f.stateLost.players} players, worst ${(f.stateLost.worstMs / 1000).toFixed(2)} s`;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** Horizontal bars: recovery time (solid) and the worst single player's outage (light), per fault. */
export function chart(r: ChaosResult, subtitle: string): string {
  const W = 1100,
    rowH = 56,
    left = 300,
    right = 340,
    top = 70;
  const H = top + r.faults.length * rowH + 40;
  const max = Math.max(1000, ...r.faults.map((f) => Math.max(f.recoveryMs, f.worstOutageMs)));
  const x = (ms: number) => left + (ms / max) * (W - left - right);
  const bars = r.faults.map((f, i) => {
    const y = top + i * rowH;
    const lost = [
      f.roomsLost > 0 ? `${f.roomsLost} rooms lost` : "",
      f.duplicatedRooms > 0 ? `${f.duplicatedRooms} duplicated` : "",
      f.stateLost.updates > 0 ? `state lost ${stateLost(f)}` : "",
    ]
      .filter(Boolean)
      .map((t) => ` — ${t}`)
      .join("");
    return [
      `<text x="${left - 10}" y="${y + 22}" text-anchor="end" font-size="13">${esc(f.fault)}</text>`,
      `<rect x="${left}" y="${y + 6}" width="${x(f.recoveryMs) - left}" height="18" fill="#3b6fd8"/>`,
      `<text x="${x(f.recoveryMs) + 6}" y="${y + 20}" font-size="12">${(f.recoveryMs / 1000).toFixed(2)} s${esc(lost)}</text>`,
      `<rect x="${left}" y="${y + 28}" width="${x(f.worstOutageMs) - left}" height="12" fill="#9fb8ec"/>`,
      `<text x="${x(f.worstOutageMs) + 6}" y="${y + 39}" font-size="11" fill="#555">${(f.worstOutageMs / 1000).toFixed(2)} s</text>`,
    ].join("");
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="20" y="28" font-size="17">roomgate chaos: time until every player is back in its room</text>
<text x="20" y="50" font-size="12" fill="#555">${esc(subtitle)}; dark: recovery of all players, light: worst single player's outage</text>
${bars.join("\n")}
</svg>
`;
}
