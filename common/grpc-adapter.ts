import * as grpc from "@grpc/grpc-js";
import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type DescService,
  type MessageShape,
} from "@bufbuild/protobuf";

// protobuf-es does not generate grpc-js service definitions (protobuf-es issues 252 and 385), so
// this adapter derives one from the generated service descriptor: one source of truth, no
// proto-loader and no second code generator.

/**
 * A method's own encoder for some of the messages it sends (a stream's most frequent one, by
 * hand): their bytes, or undefined to leave a message to protobuf-es.
 */
export type FastEncoders = Record<string, (message: never) => Uint8Array | undefined>;

/** The bytes as a Buffer, without copying them (grpc-js copies them into its frame anyway). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function serializer<D extends DescMessage>(
  schema: D,
  fast?: (message: never) => Uint8Array | undefined,
): grpc.serialize<MessageShape<D>> {
  return (value) => {
    const message = create(schema, value as never);
    return asBuffer(fast?.(message as never) ?? toBinary(schema, message));
  };
}

function deserializer<D extends DescMessage>(schema: D): grpc.deserialize<MessageShape<D>> {
  return (bytes) => fromBinary(schema, bytes);
}

/** The service's grpc-js definition; `responseEncoders` by method local name (see FastEncoders). */
export function grpcServiceDefinition(
  service: DescService,
  responseEncoders: FastEncoders = {},
): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    def[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      requestSerialize: serializer(method.input),
      requestDeserialize: deserializer(method.input),
      responseSerialize: serializer(method.output, responseEncoders[method.localName]),
      responseDeserialize: deserializer(method.output),
      originalName: method.name,
    } as grpc.MethodDefinition<unknown, unknown>;
  }
  return def as grpc.ServiceDefinition;
}

/** A grpc-js client class for the service; its methods are named as in the generated descriptor. */
export function grpcClientConstructor(service: DescService): grpc.ServiceClientConstructor {
  return grpc.makeGenericClientConstructor(grpcServiceDefinition(service), service.typeName);
}

/** Calls a unary method and resolves with its response, rejecting with the grpc-js ServiceError. */
export function callUnary<I extends DescMessage, O extends DescMessage>(
  client: grpc.Client,
  method: { localName: string; input: I; output: O },
  request: MessageShape<I>,
  options: grpc.CallOptions = {},
  metadata = new grpc.Metadata(),
): Promise<MessageShape<O>> {
  const fn = (client as unknown as Record<string, (...args: unknown[]) => unknown>)[method.localName];
  if (typeof fn !== "function") throw new Error(`client has no method ${method.localName}`);
  return new Promise((resolve, reject) => {
    fn.call(client, request, metadata, options, (err: grpc.ServiceError | null, res: MessageShape<O>) =>
      err ? reject(err) : resolve(res),
    );
  });
}

/** Error to hand to a grpc-js callback: the status code and a message for the caller. */
export function grpcError(code: grpc.status, details: string): Partial<grpc.StatusObject> {
  return { code, details };
}
