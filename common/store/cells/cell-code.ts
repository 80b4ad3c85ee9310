// A room id names its cell in its first two characters (base64url digits, so 4,096 cells), so
// any process finds a room's keys from its id alone, with no global lookup. The other 20
// characters stay random (120 bits). Ids keep the one shape every room id has (22 base64url
// characters): clients, tokens and validation never see a difference.

const DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
export const MAX_CELLS = DIGITS.length * DIGITS.length;

/** The cell a room id names, or undefined for a string that is no room id of a cell. */
export function cellOfRoom(roomId: string): number | undefined {
  if (roomId.length !== 22) return undefined;
  const hi = DIGITS.indexOf(roomId[0]!);
  const lo = DIGITS.indexOf(roomId[1]!);
  return hi < 0 || lo < 0 ? undefined : hi * DIGITS.length + lo;
}

/** The room id with its first two characters naming the cell. */
export function inCell(roomId: string, cell: number): string {
  if (!Number.isInteger(cell) || cell < 0 || cell >= MAX_CELLS) throw new RangeError(`no cell ${cell}`);
  return DIGITS[Math.floor(cell / DIGITS.length)]! + DIGITS[cell % DIGITS.length]! + roomId.slice(2);
}
