#!/usr/bin/env node
// Writes buf/validate/validate.proto for buf to compile our (buf.validate.field) rules against,
// printed from the file descriptor that the npm package @bufbuild/protovalidate embeds in its
// generated code. This machine reaches no Buf Schema Registry, so `buf dep update` cannot fetch
// the file; the package is what validates at run time anyway, so the rules in our .proto files
// compile against exactly the version that enforces them. The output is derived, never edited:
// `make gen` writes it (it is git-ignored), and `node scripts/validate-proto.mjs --check`
// compiles it with buf and fails unless the descriptor is the embedded one, option for option.
//
// The printer covers what a proto2/proto3 file without groups, maps, services or nested
// extensions needs, and fails loudly on anything else rather than print it wrong.

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { clearField, create, createRegistry, fromBinary, getExtension, isFieldSet, toBinary } from "@bufbuild/protobuf";
import { protoCamelCase, reflect } from "@bufbuild/protobuf/reflect";
import { toText } from "@bufbuild/protobuf/txtpb";
import {
  file_google_protobuf_descriptor,
  FieldDescriptorProtoSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import { file_buf_validate_validate as validateFile } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT_DIR = resolve(ROOT, "proto-deps");
const OUT = resolve(OUT_DIR, validateFile.proto.name);
const require = createRequire(import.meta.url);
// The package exports no package.json; its main file lives at dist/cjs/index.js below it.
const pkg = JSON.parse(
  readFileSync(resolve(dirname(require.resolve("@bufbuild/protovalidate")), "..", "..", "package.json"), "utf8"),
);
if (pkg.name !== "@bufbuild/protovalidate") fail("cannot find the package.json of @bufbuild/protovalidate");

// The option messages (descriptor.proto) and the extensions on them (the package's own file).
const registry = createRegistry(file_google_protobuf_descriptor, ...validateFile.dependencies, validateFile);
const extensions = [...validateFile.extensions];

function fail(msg) {
  throw new Error(`validate-proto: ${msg}`);
}

const SCALAR = {
  [Type.DOUBLE]: "double",
  [Type.FLOAT]: "float",
  [Type.INT64]: "int64",
  [Type.UINT64]: "uint64",
  [Type.INT32]: "int32",
  [Type.FIXED64]: "fixed64",
  [Type.FIXED32]: "fixed32",
  [Type.BOOL]: "bool",
  [Type.STRING]: "string",
  [Type.BYTES]: "bytes",
  [Type.UINT32]: "uint32",
  [Type.SFIXED32]: "sfixed32",
  [Type.SFIXED64]: "sfixed64",
  [Type.SINT32]: "sint32",
  [Type.SINT64]: "sint64",
};

const MAX_FIELD_NUMBER = 536870911;

/** A proto2 field of the descriptor only when it is present (unset ones read as their zero value). */
function present(f, name) {
  return isFieldSet(f, FieldDescriptorProtoSchema.field[name]) ? f[name] : undefined;
}

/** `name = value` pairs for every option set on an options message, extensions included. */
function optionPairs(options) {
  if (!options) return [];
  const pairs = [];
  const r = reflect(registry.getMessage(options.$typeName) ?? fail(`no schema for ${options.$typeName}`), options);
  for (const field of r.fields) {
    if (!r.isSet(field) || field.name === "uninterpreted_option") continue;
    if (field.fieldKind === "list" || field.fieldKind === "map") fail(`repeated option ${field.name} is not supported`);
    // toText of a copy holding only this field: "name: value" (a message value spans lines).
    const only = create(r.desc);
    reflect(r.desc, only).set(field, r.get(field));
    const text = toText(r.desc, only).trimEnd();
    const colon = text.indexOf(": ");
    if (colon < 0 || text.slice(0, colon) !== field.name) fail(`cannot print option ${field.name}`);
    pairs.push([field.name, text.slice(colon + 2)]);
  }
  for (const u of options.$unknown ?? []) {
    const ext = extensions.find((e) => e.extendee.typeName === options.$typeName && e.number === u.no);
    if (!ext) fail(`option field ${u.no} of ${options.$typeName} is no known extension`);
    if (pairs.some(([n]) => n === `(${ext.typeName})`)) continue; // repeated unknown entries of one extension
    const value = getExtension(options, ext);
    if (ext.fieldKind !== "message") fail(`extension option ${ext.typeName} is not a message`);
    pairs.push([`(${ext.typeName})`, `{\n${indent(toText(ext.message, value, { registry }).trimEnd(), "  ")}\n}`]);
  }
  return pairs;
}

function indent(text, by) {
  return text
    .split("\n")
    .map((l) => (l ? by + l : l))
    .join("\n");
}

function optionStatements(options, pad) {
  return optionPairs(options).map(([n, v]) => `${pad}option ${n} = ${indent(v, pad).trimStart()};`);
}

function bracketOptions(options, pad) {
  const pairs = optionPairs(options);
  if (pairs.length === 0) return "";
  const inner = pairs.map(([n, v]) => `${pad}  ${n} = ${indent(v, pad + "  ").trimStart()}`).join(",\n");
  return ` [\n${inner}\n${pad}]`;
}

function fieldType(f) {
  if (f.type === Type.MESSAGE || f.type === Type.ENUM) return f.typeName || fail(`field ${f.name} has no type name`);
  if (f.type === Type.GROUP) fail(`group ${f.name} is not supported`);
  return SCALAR[f.type] ?? fail(`field ${f.name} has unknown type ${f.type}`);
}

function printField(f, syntax, inOneof, pad) {
  let label = "";
  if (f.label === Label.REPEATED) label = "repeated ";
  else if (f.label === Label.REQUIRED) label = "required ";
  else if (!inOneof && (syntax === "proto2" || present(f, "proto3Optional"))) label = "optional ";
  const extras = [];
  if (present(f, "defaultValue") !== undefined) fail(`default value of ${f.name} is not supported`);
  const jsonName = present(f, "jsonName");
  if (jsonName !== undefined && jsonName !== protoCamelCase(f.name))
    extras.push(`json_name = ${JSON.stringify(jsonName)}`);
  let opts = bracketOptions(f.options, pad);
  if (extras.length)
    opts = opts ? opts.replace(" [\n", ` [\n${pad}  ${extras.join(`,\n${pad}  `)},\n`) : ` [${extras.join(", ")}]`;
  return `${pad}${label}${fieldType(f)} ${f.name} = ${f.number}${opts};`;
}

function range(start, endExclusive) {
  const end = endExclusive - 1;
  if (end === start) return `${start}`;
  return `${start} to ${end >= MAX_FIELD_NUMBER ? "max" : end}`;
}

function printMessage(m, syntax, pad) {
  const lines = [`${pad}message ${m.name} {`];
  const inner = pad + "  ";
  lines.push(...optionStatements(m.options, inner));
  if (m.extension.length) fail(`nested extensions in ${m.name} are not supported`);
  for (const n of m.nestedType) {
    if (n.options?.mapEntry) fail(`map field in ${m.name} is not supported`);
    lines.push(...printMessage(n, syntax, inner));
  }
  for (const e of m.enumType) lines.push(...printEnum(e, inner));
  // Fields in declaration order; a oneof is printed where its first field stands.
  const printedOneofs = new Set();
  for (const f of m.field) {
    const o = present(f, "oneofIndex");
    const synthetic = o !== undefined && present(f, "proto3Optional");
    if (o === undefined || synthetic) {
      lines.push(printField(f, syntax, false, inner));
      continue;
    }
    if (printedOneofs.has(o)) continue;
    printedOneofs.add(o);
    const decl = m.oneofDecl[o];
    const members = m.field.filter((x) => present(x, "oneofIndex") === o);
    // Fields of one oneof must be contiguous, or the printed order would differ.
    const first = m.field.indexOf(members[0]);
    if (members.some((x, i) => m.field[first + i] !== x)) fail(`oneof ${decl.name} in ${m.name} is not contiguous`);
    lines.push(`${inner}oneof ${decl.name} {`);
    lines.push(...optionStatements(decl.options, inner + "  "));
    for (const x of members) lines.push(printField(x, syntax, true, inner + "  "));
    lines.push(`${inner}}`);
  }
  for (const r of m.extensionRange) {
    if (r.options) fail(`extension range options in ${m.name} are not supported`);
    lines.push(`${inner}extensions ${range(r.start, r.end)};`);
  }
  if (m.reservedRange.length)
    lines.push(`${inner}reserved ${m.reservedRange.map((r) => range(r.start, r.end)).join(", ")};`);
  if (m.reservedName.length) lines.push(`${inner}reserved ${m.reservedName.map((n) => JSON.stringify(n)).join(", ")};`);
  lines.push(`${pad}}`);
  return lines;
}

function printEnum(e, pad) {
  const inner = pad + "  ";
  const lines = [`${pad}enum ${e.name} {`, ...optionStatements(e.options, inner)];
  for (const v of e.value) lines.push(`${inner}${v.name} = ${v.number}${bracketOptions(v.options, inner)};`);
  // Enum reserved ranges are inclusive at both ends.
  if (e.reservedRange.length)
    lines.push(`${inner}reserved ${e.reservedRange.map((r) => range(r.start, r.end + 1)).join(", ")};`);
  if (e.reservedName.length) lines.push(`${inner}reserved ${e.reservedName.map((n) => JSON.stringify(n)).join(", ")};`);
  lines.push(`${pad}}`);
  return lines;
}

function printFile(fp) {
  const syntax = fp.syntax || "proto2";
  if (syntax !== "proto2" && syntax !== "proto3") fail(`syntax ${syntax} (editions) is not supported`);
  if (fp.service.length) fail("services are not supported");
  if (fp.publicDependency.length || fp.weakDependency.length) fail("public and weak imports are not supported");
  const lines = [
    `// Code generated by scripts/validate-proto.mjs from the descriptor embedded in`,
    `// ${pkg.name}@${pkg.version}. DO NOT EDIT; \`make gen\` writes it again.`,
    `// The original, buf/validate/validate.proto of protovalidate, is Copyright Buf Technologies, Inc.,`,
    `// under the Apache License, Version 2.0.`,
    ``,
    `syntax = "${syntax}";`,
    ``,
    `package ${fp.package};`,
    ``,
    ...fp.dependency.map((d) => `import "${d}";`),
    ``,
    ...optionStatements(fp.options, ""),
  ];
  for (const m of fp.messageType) lines.push("", ...printMessage(m, syntax, ""));
  for (const e of fp.enumType) lines.push("", ...printEnum(e, ""));
  // Top-level extensions, one extend block per extendee in order of first appearance.
  const byExtendee = new Map();
  for (const x of fp.extension) byExtendee.set(x.extendee, [...(byExtendee.get(x.extendee) ?? []), x]);
  for (const [extendee, xs] of byExtendee) {
    lines.push("", `extend ${extendee} {`);
    for (const x of xs) lines.push(printField(x, syntax, false, "  "));
    lines.push("}");
  }
  return lines.join("\n") + "\n";
}

/** The descriptor as both sides carry it: no source info, json_name only where it is not the default. */
function normalized(fp) {
  const copy = fromBinary(FileDescriptorProtoSchema, toBinary(FileDescriptorProtoSchema, fp));
  clearField(copy, FileDescriptorProtoSchema.field.sourceCodeInfo);
  const strip = (m) => {
    for (const f of m.field) if (f.jsonName === protoCamelCase(f.name)) f.jsonName = undefined;
    for (const f of m.extension) if (f.jsonName === protoCamelCase(f.name)) f.jsonName = undefined;
    m.nestedType.forEach(strip);
  };
  copy.messageType.forEach(strip);
  strip({ field: copy.extension, extension: [], nestedType: [] });
  return toBinary(FileDescriptorProtoSchema, copy);
}

function check() {
  const buf = resolve(ROOT, "node_modules", ".bin", "buf");
  const image = execFileSync(buf, ["build", OUT_DIR, "--as-file-descriptor-set", "--exclude-source-info", "-o", "-"], {
    cwd: ROOT,
    maxBuffer: 64 << 20,
  });
  const set = fromBinary(FileDescriptorSetSchema, image);
  const built =
    set.file.find((f) => f.name === validateFile.proto.name) ?? fail(`buf build gave no ${validateFile.proto.name}`);
  const a = normalized(built);
  const b = normalized(validateFile.proto);
  if (Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) {
    fail(`${OUT} does not compile to the descriptor embedded in ${pkg.name}@${pkg.version}`);
  }
  process.stderr.write(
    `validate-proto: ${validateFile.proto.name} compiles to the embedded descriptor of ${pkg.name}@${pkg.version}\n`,
  );
}

const text = printFile(validateFile.proto);
mkdirSync(dirname(OUT), { recursive: true });
let current;
try {
  current = readFileSync(OUT, "utf8");
} catch {
  current = undefined;
}
if (current !== text) writeFileSync(OUT, text);
if (process.argv.includes("--check")) check();
