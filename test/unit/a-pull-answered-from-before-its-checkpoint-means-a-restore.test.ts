import { describe, expect, it } from 'vitest';
import { answersFromBefore } from '../../src/sync/client-reset.ts';

// How the client reads a restored server (docs/wire-protocol.md, Pull): an answer positioned before the
// checkpoint sent. Healthy answers — documents after it, the echo or null on an empty page, ties within
// one updatedAt in any id order — must never read as one, or every pull would start a client reset.
describe('answersFromBefore', () => {
  const sent = { id: 'm', updatedAt: 100 };
  const doc = (id: string, updatedAt: number) => ({ id, updatedAt, title: id, deleted: false });

  it('reads the page from the start and the start checkpoint as a restore', () => {
    expect(answersFromBefore(sent, { documents: [doc('a', 10), doc('z', 120)], checkpoint: { id: 'z', updatedAt: 120 } })).toBe(true);
    expect(answersFromBefore(sent, { documents: [], checkpoint: { id: '', updatedAt: 0 } })).toBe(true);
  });

  it('reads healthy answers as they are', () => {
    expect(answersFromBefore(sent, { documents: [doc('n', 100), doc('b', 101)], checkpoint: { id: 'b', updatedAt: 101 } })).toBe(false);
    // A tie whose id sorts before the checkpoint's in JavaScript but after it in the server's collation.
    expect(answersFromBefore({ id: 'a', updatedAt: 100 }, { documents: [doc('B', 100)], checkpoint: { id: 'B', updatedAt: 100 } })).toBe(false);
    expect(answersFromBefore(sent, { documents: [], checkpoint: sent })).toBe(false);
    expect(answersFromBefore(sent, { documents: [], checkpoint: null })).toBe(false);
  });

  it('takes a pull from no checkpoint, and checkpoints of other conventions, as they come', () => {
    expect(answersFromBefore(null, { documents: [doc('a', 1)], checkpoint: { id: 'a', updatedAt: 1 } })).toBe(false);
    expect(answersFromBefore({ lsn: 42 }, { documents: [], checkpoint: { lsn: 7 } })).toBe(false);
    expect(answersFromBefore('cursor-9', { documents: [doc('a', 1)], checkpoint: 'cursor-1' })).toBe(false);
  });
});
