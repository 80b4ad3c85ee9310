import * as grpc from "@grpc/grpc-js";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
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

/** The grpc-js server interceptor that applies the table above to every call of `service`. */
export function roleInterceptor(
  service: GenService<GenServiceMethods>,
  trustDomain: string,
  log: Logger,
): grpc.ServerInterceptor {
  const names = new Map(service.methods.map((m) => [`/${service.typeName}/${m.name}`, m.name]));
  return (method, call) => {
    const name = names.get(method.path) ?? method.path;
    const who = peerIdentity(call.getAuthContext()?.sslPeerCertificate, trustDomain);
    let denied = false;
    const intercepting: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        const deny = (why: string) => {
          denied = true;
          log.warn("permission denied", { method: name, peer: call.getPeer(), why });
          intercepting.sendStatus({ code: grpc.status.PERMISSION_DENIED, details: why });
        };
        const up = refusal(who, name);
        next({
          onReceiveMetadata: (metadata, nextMetadata) => (up ? deny(up) : nextMetadata(metadata)),
          onReceiveMessage: (message, nextMessage) => {
            if (denied) return;
            const late =
              name === "Attach" && !("problem" in who) ? registrationRefusal(who, message as AttachRequest) : undefined;
            if (late) return deny(late);
            nextMessage(message);
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
  const names = new Map(service.methods.map((m) => [`/${service.typeName}/${m.name}`, m.name]));
  return (method, call) => {
    const name = names.get(method.path) ?? method.path;
    if (METHOD_ROLES[name] !== "operator") return new grpc.ServerInterceptingCall(call);
    const intercepting: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        let denied = false;
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            const verdict = token.verdict(String(metadata.get("authorization")[0] ?? ""));
            if (verdict === "ok" || verdict === "unset") return nextMetadata(metadata);
            denied = true;
            log.warn("operator token refused", { method: name, peer: call.getPeer(), verdict });
            intercepting.sendStatus({ code: grpc.status.UNAUTHENTICATED, details: adminRefusal(name, verdict) });
          },
          onReceiveMessage: (message, nextMessage) => {
            if (!denied) nextMessage(message);
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
