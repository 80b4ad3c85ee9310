import { connect } from "node:net";

// Whether a game server whose stream just ended is gone or merely cut off. A process that died
// leaves its host up, and the host's kernel refuses its port at once; a server behind a
// partition, or a host that went down, answers nothing. Only a refusal counts as an answer: an
// accepted connection, a timeout or any other error leaves the decision to the missed reports.

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
