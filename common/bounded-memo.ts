// A function's answers remembered for keys that come back (a deployment's few label sets, the
// few patterns of its .proto rules), in a map that starts over when full: keys from input can make
// it forget, never grow.

/** `compute`, remembering up to `max` answers. */
export function boundedMemo<V>(max: number, compute: (key: string) => V): (key: string) => V {
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError("a memo keeps at least one answer");
  const memo = new Map<string, V>();
  return (key) => {
    let v = memo.get(key);
    if (v === undefined) {
      if (memo.size >= max) memo.clear();
      v = compute(key);
      memo.set(key, v);
    }
    return v;
  };
}
