import { esc, svgEnd, svgPage } from "../lib/svg.js";

// One picture of bench:cells: for each cluster size, a bar per master of the ALLOCATE scripts it
// ran, with allocations/s above.

export function cellsChart(
  phases: { masters: number; perSecond: number; perMaster: { allocate: number; cpuShare: number }[] }[],
  bytesPerRoom?: number,
): string {
  const W = 640;
  const H = 340;
  const left = 60;
  const base = 280;
  const top = 96;
  const max = Math.max(1, ...phases.flatMap((p) => p.perMaster.map((m) => m.allocate)));
  const out = svgPage(
    W,
    H,
    left,
    "ALLOCATE scripts per Redis Cluster master, 12 cells",
    `same load on 1 and on 3 masters${bytesPerRoom ? `; ${Math.round(bytesPerRoom)} B of Redis memory per live room` : ""}`,
  );
  out.push(`<line x1="${left}" x2="${W - 20}" y1="${base}" y2="${base}" stroke="#333"/>`);
  let x = left + 20;
  for (const p of phases) {
    out.push(
      `<text x="${x}" y="${top - 26}" font-weight="bold">${p.masters} master${p.masters > 1 ? "s" : ""}: ${Math.round(p.perSecond)}/s</text>`,
    );
    p.perMaster.forEach((m, i) => {
      const h = ((base - top) * m.allocate) / max;
      out.push(`<rect x="${x}" y="${base - h}" width="50" height="${h}" fill="#4a7ebb"/>`);
      out.push(`<text x="${x + 25}" y="${base - h - 4}" text-anchor="middle">${m.allocate}</text>`);
      out.push(
        `<text x="${x + 25}" y="${base + 16}" text-anchor="middle">${esc(`m${i + 1} ${Math.round(100 * m.cpuShare)}%`)}</text>`,
      );
      x += 60;
    });
    x += 60;
  }
  out.push(`<text x="${left}" y="${H - 12}" fill="#555">bar: scripts run; label: master CPU, share of a core</text>`);
  return svgEnd(out);
}
