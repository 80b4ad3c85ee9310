import { Code, ConnectError } from "@connectrpc/connect";

/** The Connect code name a call ended with ("ok" when it succeeded), for one-line assertions. */
export function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "ok",
    (e) => Code[ConnectError.from(e).code],
  );
}

/** The error a call that must fail ended with (throws when it succeeded). */
export async function failure(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("the call succeeded");
}
