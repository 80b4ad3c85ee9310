import { type BinaryReader, type BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

// What the SDK's hand-written codecs (frames.ts, gateway-messages.ts) share: proto3 fields written
// as protobuf-es writes them (in field-number order, zero values left out, map entries with both
// key and value), and a field loop that skips what it does not know. Only @bufbuild/protobuf/wire:
// protobuf-es's reflection runtime, and every generated file's embedded descriptor, stay out of
// the browser bundle. Codecs are held to protobuf-es's bytes by client/codecs.test.ts.

/** The generated message type as the codecs make it: no `$unknown` (unknown fields are skipped). */
export type Fields<M> = Omit<M, "$typeName" | "$unknown">;

export function writeString(w: BinaryWriter, no: number, v: string | undefined): void {
  if (v) w.tag(no, WireType.LengthDelimited).string(v);
}

export function writeBytes(w: BinaryWriter, no: number, v: Uint8Array | undefined): void {
  if (v && v.byteLength > 0) w.tag(no, WireType.LengthDelimited).bytes(v);
}

export function writeUint32(w: BinaryWriter, no: number, v: number | undefined): void {
  if (v) w.tag(no, WireType.Varint).uint32(v);
}

/** Enums go as int32 (a negative one takes ten bytes, as protobuf-es writes it). */
export function writeEnum(w: BinaryWriter, no: number, v: number | undefined): void {
  if (v) w.tag(no, WireType.Varint).int32(v);
}

export function writeBool(w: BinaryWriter, no: number, v: boolean | undefined): void {
  if (v) w.tag(no, WireType.Varint).bool(v);
}

/** A message field, even an empty one (a set oneof case, a list item). */
export function writeMessage(w: BinaryWriter, no: number, body: () => void): void {
  w.tag(no, WireType.LengthDelimited).fork();
  body();
  w.join();
}

export function writeStringMap(w: BinaryWriter, no: number, map: Readonly<Record<string, string>> | undefined): void {
  if (!map) return;
  for (const key of Object.keys(map)) {
    writeMessage(w, no, () => {
      w.tag(1, WireType.LengthDelimited).string(key);
      w.tag(2, WireType.LengthDelimited).string(map[key]!);
    });
  }
}

/** Reads one field of `m` if it knows its number; false leaves the field to be skipped. */
export type FieldReader<M> = (r: BinaryReader, m: M, no: number) => boolean;

/**
 * Reads `len` bytes of fields into `m` (merging, as protobuf does when a message field repeats);
 * fields `field` does not know are skipped, so a newer server's additions are no error.
 */
export function readFields<M>(r: BinaryReader, len: number, m: M, field: FieldReader<M>): M {
  const end = r.pos + len;
  while (r.pos < end) {
    const [no, wireType] = r.tag();
    if (!field(r, m, no)) r.skip(wireType, no);
  }
  return m;
}

/** A length-delimited message field: its length, then its fields. */
export function readMessage<M>(r: BinaryReader, m: M, field: FieldReader<M>): M {
  return readFields(r, r.uint32(), m, field);
}

/** Strings are checked UTF-8, as protobuf-es reads proto3 strings. */
export const readString = (r: BinaryReader): string => r.string(true);

/** One map<string, string> entry into `map`; a missing key or value is "". */
export function readStringMapEntry(r: BinaryReader, map: Record<string, string>): void {
  const entry = readMessage(r, { key: "", value: "" }, (r, e, no) => {
    if (no === 1) e.key = readString(r);
    else if (no === 2) e.value = readString(r);
    else return false;
    return true;
  });
  // An own property even for "__proto__", which plain assignment would take as the prototype.
  Object.defineProperty(map, entry.key, { value: entry.value, enumerable: true, writable: true, configurable: true });
}
