/** Longest document id accepted, in UTF-16 code units (the id is part of two btree keys). */
export const MAX_ID_LENGTH = 512;

/** Deeper values are refused before PostgreSQL's jsonb parser or our own recursion runs out of stack. */
const MAX_DEPTH = 64;

// Without the `u` flag a character class matches single UTF-16 code units, so an unpaired half of a
// surrogate pair can be told from a whole pair.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What in `text` PostgreSQL cannot store, or null. `text` and `jsonb` refuse the NUL character, and a
 * lone UTF-16 surrogate (what `slice` leaves of a cut emoji) has no UTF-8 encoding: jsonb refuses it,
 * and a text parameter silently turns it into U+FFFD, which would store a different string.
 *
 * @example
 * unstorableCharacter('ok 😀'); // null
 * unstorableCharacter('ab\u0000'); // 'a NUL character at position 2'
 * unstorableCharacter('😀'.slice(0, 1)); // 'a lone UTF-16 surrogate at position 0'
 */
export function unstorableCharacter(text: string): string | null {
  const found = UNSTORABLE.exec(text);
  if (!found) return null;
  return `${found[0] === '\u0000' ? 'a NUL character' : 'a lone UTF-16 surrogate'} at position ${found.index}`;
}

/**
 * Why a document id cannot be stored, or null.
 *
 * @example
 * idProblem('todo-1'); // null
 * idProblem(''); // 'document id must be 1 to 512 characters'
 */
export function idProblem(id: string): string | null {
  if (id.length === 0 || id.length > MAX_ID_LENGTH) return `document id must be 1 to ${MAX_ID_LENGTH} characters`;
  const character = unstorableCharacter(id);
  return character ? `document id contains ${character}` : null;
}

/**
 * Why a field's value cannot be stored in a jsonb column, or null. Every string is checked, nested
 * ones and object keys included; a number JSON cannot hold would silently become null, so it is refused.
 *
 * @example
 * fieldProblem('title', 'milk'); // null
 * fieldProblem('title', 'a\u0000'); // 'field "title" contains a NUL character at position 1'
 * fieldProblem('tags', ['ok', '\uDE00']); // 'field "tags[1]" contains a lone UTF-16 surrogate at position 0'
 */
export function fieldProblem(name: string, value: unknown): string | null {
  return valueProblem(name, value, 0);
}

function valueProblem(path: string, value: unknown, depth: number): string | null {
  if (typeof value === 'string') {
    const character = unstorableCharacter(value);
    return character ? `field "${path}" contains ${character}` : null;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? null : `field "${path}" is not a finite number`;
  if (typeof value !== 'object' || value === null) return null;
  if (depth >= MAX_DEPTH) return `field "${path}" is nested deeper than ${MAX_DEPTH} levels`;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const problem = valueProblem(`${path}[${index}]`, item, depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    const character = unstorableCharacter(key);
    if (character) return `field "${path}" has a key that contains ${character}`;
    const problem = valueProblem(`${path}.${key}`, item, depth + 1);
    if (problem) return problem;
  }
  return null;
}
