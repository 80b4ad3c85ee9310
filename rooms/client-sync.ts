// roomgate/sync: the client's side of a logic room's wire. It ships with the SDK
// (@roomgate/client/sync); the servers' package names it too, for room authors who test their
// wire handling next to their room module.
export * from "@roomgate/client/sync";
