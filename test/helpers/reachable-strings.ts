// Every string reachable from a value through its own properties (errors add message and stack),
// cycles cut: the haystack in which the leak tests look for secrets.
export function reachableStrings(value: unknown, out: string[] = [], seen = new WeakSet<object>()): string[] {
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'object' && value !== null && !seen.has(value)) {
    seen.add(value);
    if (value instanceof Error) out.push(value.message, String(value.stack));
    for (const key of Reflect.ownKeys(value)) {
      try {
        reachableStrings((value as Record<PropertyKey, unknown>)[key], out, seen);
      } catch {
        // A throwing getter holds nothing we could leak.
      }
    }
  }
  return out;
}
