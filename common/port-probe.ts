import { lookup } from "node:dns/promises";
import { connect } from "node:net";

// Whether a process on the far side is gone or merely cut off. A process that died leaves its host
// up, and the host's kernel refuses its port at once; a process behind a partition, or a host that
// went down, answers nothing. Only a refusal counts as an answer. The Manager asks it of a game
// server whose stream ended (gone: dead at once; otherwise its missed reports decide), and a game
// server of its Managers (all gone: none can declare it dead, so it need not fence).

export type ProbeAnswer = "refused" | "listening" | "no answer";

export function probePort(host: string, port: number, timeoutMs: number): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answer: ProbeAnswer) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done("no answer"), timeoutMs);
    socket.once("connect", () => done("listening"));
    socket.once("error", (e: NodeJS.ErrnoException) => done(e.code === "ECONNREFUSED" ? "refused" : "no answer"));
  });
}

/**
 * Whether a gRPC target (host:port, a DNS name of several addresses, [v6]:port) refuses at every
 * address it names; "no answer" for any other form (a unix socket, a resolver scheme).
 */
export async function probeTarget(target: string, timeoutMs: number): Promise<ProbeAnswer> {
  const m = /^(?:\[([^\]]+)\]|([^:/[\]]+)):(\d+)$/.exec(target);
  if (!m) return "no answer";
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  const addresses = await lookup(host, { all: true }).catch(() => []);
  if (addresses.length === 0) return "no answer";
  const answers = await Promise.all(addresses.map((a) => probePort(a.address, port, timeoutMs)));
  if (answers.every((a) => a === "refused")) return "refused";
  return answers.includes("listening") ? "listening" : "no answer";
}
