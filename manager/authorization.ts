import * as grpc from "@grpc/grpc-js";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import type { AttachRequest } from "../gen/roomgate/v1/manager_pb.js";
import { type AdminToken, adminRefusal } from "../common/admin-token.js";
import type { Logger } from "../common/log.js";
import { type PeerIdentity, type PeerRole, peerIdentity } from "./peer-identity.js";

// Under mutual TLS, what each certificate may call (peer-identity.ts reads who it is). Every
// method has exactly one role; anything else is PERMISSION_DENIED before a handler or the request
// rules see the call.

export const METHOD_ROLES: Record<string, PeerRole> = {
  AllocateRoom: "gateway",
  Attach: "gameserver",
  ListServers: "operator",
  DrainServer: "operator",
};

/** Why `who` may not call `method`, or undefined when it may. */
export function refusal(who: PeerIdentity | { problem: string }, method: string): string | undefined {
  if ("problem" in who) return `${method} needs a roomgate certificate: ${who.problem}`;
  const role = METHOD_ROLES[method];
  if (role !== who.role) return `${who.uri} (${who.role}) may not call ${method}: it is for the ${role ?? "no"} role`;
  return undefined;
}

/** Why a game server's registration is refused: its certificate names another server. */
export function registrationRefusal(who: PeerIdentity, msg: AttachRequest): string | undefined {
  if (msg.msg.case !== "register" || msg.msg.value.serverId === who.serverId) return undefined;
  return `${who.uri} may attach only as game server '${who.serverId}', not '${msg.msg.value.serverId}'`;
}

/** A refused call: the status it ends with, and the warning logged. */
interface Refusal {
  code: grpc.status;
  details: string;
  logMsg: string;
}

/** What a guard looks at: the call's metadata (first), then each message the client sends. */
interface Guard {
  metadata?(metadata: grpc.Metadata): Refusal | undefined;
  message?(message: unknown): Refusal | undefined;
}

/**
 * A grpc-js server interceptor that ends a call of `service` as soon as its guard refuses it;
 * nothing refused reaches the next interceptor or the handler. No guard: the call passes.
 */
function guardInterceptor(
  service: GenService<GenServiceMethods>,
  log: Logger,
  guardFor: (method: string, call: grpc.ServerInterceptingCallInterface) => Guard | undefined,
): grpc.ServerInterceptor {
  const names = new Map(service.methods.map((m) => [`/${service.typeName}/${m.name}`, m.name]));
  return (method, call) => {
    const name = names.get(method.path) ?? method.path;
    const guard = guardFor(name, call);
    if (!guard) return new grpc.ServerInterceptingCall(call);
    let denied = false;
    const intercepting: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        const refused = (check: () => Refusal | undefined) => {
          let r: Refusal | undefined;
          try {
            r = check();
          } catch (e) {
            // Thrown inside a grpc-js listener it would end the process: this call fails instead.
            r = { code: grpc.status.INTERNAL, details: `could not check the call: ${e}`, logMsg: "guard failed" };
          }
          if (!r) return false;
          denied = true;
          log.warn(r.logMsg, { method: name, peer: call.getPeer(), why: r.details });
          intercepting.sendStatus({ code: r.code, details: r.details });
          return true;
        };
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            if (!refused(() => guard.metadata?.(metadata))) nextMetadata(metadata);
          },
          onReceiveMessage: (message, nextMessage) => {
            if (!denied && !refused(() => guard.message?.(message))) nextMessage(message);
          },
          onReceiveHalfClose: (nextHalfClose) => {
            if (!denied) nextHalfClose();
          },
        });
      },
    });
    return intercepting;
  };
}

const permissionDenied = (details: string | undefined): Refusal | undefined =>
  details === undefined ? undefined : { code: grpc.status.PERMISSION_DENIED, details, logMsg: "permission denied" };

const HEALTH_PATH = `/${Health.typeName}/`;

/** The interceptor that applies the table above to every call of `service` (and refuses any other but health). */
export function roleInterceptor(
  service: GenService<GenServiceMethods>,
  trustDomain: string,
  log: Logger,
): grpc.ServerInterceptor {
  return guardInterceptor(service, log, (name, call) => {
    // grpc.health.v1 reads one status and changes nothing: any peer the transport admits may ask.
    if (name.startsWith(HEALTH_PATH)) return undefined;
    const who = peerIdentity(call.getAuthContext()?.sslPeerCertificate, trustDomain);
    return {
      metadata: () => permissionDenied(refusal(who, name)),
      message: (msg) =>
        name === "Attach" && !("problem" in who)
          ? permissionDenied(registrationRefusal(who, msg as AttachRequest))
          : undefined,
    };
  });
}

/**
 * With ADMIN_TOKEN set on the Manager, its operator methods also need the operator's bearer token
 * (`roomgate drain` and `servers` send it): on one host, or behind --insecure-internal, the port
 * alone says nothing about who calls. Without it, the transport (loopback, mTLS roles) decides.
 */
export function operatorTokenInterceptor(
  service: GenService<GenServiceMethods>,
  token: AdminToken,
  log: Logger,
): grpc.ServerInterceptor {
  return guardInterceptor(service, log, (name) =>
    METHOD_ROLES[name] !== "operator"
      ? undefined
      : {
          metadata: (metadata) => {
            const verdict = token.verdict(String(metadata.get("authorization")[0] ?? ""));
            if (verdict === "ok" || verdict === "unset") return undefined;
            return {
              code: grpc.status.UNAUTHENTICATED,
              details: adminRefusal(name, verdict),
              logMsg: "operator token refused",
            };
          },
        },
  );
}
