import { Code, ConnectError } from "@connectrpc/connect";

/** The Connect code name a call ended with ("ok" when it succeeded), for one-line assertions. */
export function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "ok",
    (e) => Code[ConnectError.from(e).code],
  );
}
