// A room's type on the wire and in placement: "relay" (today's rooms: players relay bytes and
// share key-value state) or the type of a room module's definition. Placement needs no store
// change: a server advertises the label "room-type/<type>" for each type it runs, and a room of
// a logic type requires that label, which its record keeps, so a moved room lands on such a server too.

export const RELAY = "relay";
const LABEL_PREFIX = "room-type/";
/** The value of a room-type label: its presence is what counts. */
export const ROOM_TYPE_LABEL_VALUE = "1";

/** The label a server running `type` advertises, and a room of that type requires. */
export function roomTypeLabel(type: string): string {
  return `${LABEL_PREFIX}${type}`;
}

/** Whether `type` is the built-in relay ("" counts as relay). */
export function isRelay(type: string): boolean {
  return type === "" || type === RELAY;
}

/** The room type a set of required labels asks for: the one "room-type/<type>" label, else relay. */
export function roomTypeOf(labels: Readonly<Record<string, string>>): string {
  for (const key of Object.keys(labels)) if (key.startsWith(LABEL_PREFIX)) return key.slice(LABEL_PREFIX.length);
  return RELAY;
}

/** `labels` plus the one a room of `type` requires (none for relay); any other room-type label goes. */
export function withRoomType(labels: Readonly<Record<string, string>>, type: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (!k.startsWith(LABEL_PREFIX)) out[k] = v;
  if (!isRelay(type)) out[roomTypeLabel(type)] = ROOM_TYPE_LABEL_VALUE;
  return out;
}
