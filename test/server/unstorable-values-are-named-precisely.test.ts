import { describe, expect, it } from 'vitest';
import { dataExceptionMessage } from '../../examples/server/db/data-exception.ts';
import { fieldProblem, idProblem, MAX_ID_LENGTH } from '../../examples/server/sync/document-content.ts';

// What the server refuses before writing, and how it says so: the field, the problem and where.
describe('values PostgreSQL cannot store', () => {
  it.each([
    ['a NUL', 'title', 'a\u0000b', 'field "title" contains a NUL character at position 1'],
    ['a high surrogate cut from its pair', 'title', 'abc🎉'.slice(0, -1), 'field "title" contains a lone UTF-16 surrogate at position 3'],
    ['a low surrogate with nothing before it', 'title', '\uDE00abc', 'field "title" contains a lone UTF-16 surrogate at position 0'],
    ['two high surrogates in a row', 'title', '\uD83D\uD83D\uDE00', 'field "title" contains a lone UTF-16 surrogate at position 0'],
    ['a string in an array', 'tags', ['ok', 'x\u0000'], 'field "tags[1]" contains a NUL character at position 1'],
    ['a string in an object', 'meta', { note: { text: '\uDC00' } }, 'field "meta.note.text" contains a lone UTF-16 surrogate at position 0'],
    ['an object key', 'meta', { 'k\u0000': 1 }, 'field "meta" has a key that contains a NUL character at position 1'],
    ['a number JSON cannot hold', 'score', Number.NaN, 'field "score" is not a finite number'],
    ['an infinite number', 'score', Number.POSITIVE_INFINITY, 'field "score" is not a finite number'],
  ])('names %s', (_what, field, value, message) => {
    expect(fieldProblem(field, value)).toBe(message);
  });

  it('refuses values nested deeper than jsonb should be asked to parse', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100; i += 1) deep = [deep];
    expect(fieldProblem('tree', deep)).toMatch(/^field "tree(\[0\])+" is nested deeper than 64 levels$/);
  });

  it('accepts what PostgreSQL stores: whole pairs, other control characters, any other value', () => {
    for (const value of ['', '😀👩‍👩‍👧‍👦𝄞', 'tab\tnewline\n\u0001\u007F', 'ünïcødé 中文', 0, -0, 1e308, true, false, null, ['a', { b: 'c' }]]) {
      expect(fieldProblem('f', value)).toBeNull();
    }
  });

  it('checks ids for length and characters', () => {
    expect(idProblem('todo-😀')).toBeNull();
    expect(idProblem('x'.repeat(MAX_ID_LENGTH))).toBeNull();
    expect(idProblem('')).toBe(`document id must be 1 to ${MAX_ID_LENGTH} characters`);
    expect(idProblem('x'.repeat(MAX_ID_LENGTH + 1))).toBe(`document id must be 1 to ${MAX_ID_LENGTH} characters`);
    expect(idProblem('ab\u0000')).toBe('document id contains a NUL character at position 2');
    expect(idProblem('ab\uD83D')).toBe('document id contains a lone UTF-16 surrogate at position 2');
  });
});

describe('a data exception from the database', () => {
  it('is recognised by its SQLSTATE class (22) and told safely', () => {
    expect(dataExceptionMessage({ code: '22P05', message: 'unsupported Unicode escape sequence' }))
      .toBe('unsupported Unicode escape sequence (SQLSTATE 22P05)');
    expect(dataExceptionMessage({ code: '22021', message: 'bad\u0000byte \uD83D' })).toBe('bad\uFFFDbyte \uFFFD (SQLSTATE 22021)');
    const long = dataExceptionMessage({ code: '22P02', message: `${'x'.repeat(199)}😀 and more` })!;
    expect(long).toBe(`${'x'.repeat(199)}\uFFFD… (SQLSTATE 22P02)`);
  });

  it('is not any other error', () => {
    for (const error of [{ code: '23505', message: 'duplicate key' }, { code: '40P01', message: 'deadlock' }, new Error('boom'), 'text', null]) {
      expect(dataExceptionMessage(error)).toBeNull();
    }
  });
});
