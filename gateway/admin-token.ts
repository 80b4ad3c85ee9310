import { Code, ConnectError } from "@connectrpc/connect";
import { type AdminToken, adminRefusal } from "../common/admin-token.js";

// At the Gateway, the operator calls are off without ADMIN_TOKEN (secure by default): a Gateway
// on the internet never shows its cluster to whoever asks.

/** Returns when the header carries the operator token; throws the status a caller without it gets. */
export function requireOperator(token: AdminToken, method: string, authorization: string | null) {
  const verdict = token.verdict(authorization);
  if (verdict === "ok") return;
  throw new ConnectError(
    adminRefusal(method, verdict),
    verdict === "unset" ? Code.FailedPrecondition : Code.Unauthenticated,
  );
}
