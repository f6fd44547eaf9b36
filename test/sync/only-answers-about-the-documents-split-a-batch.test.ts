import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../src/errors/classify-failure.ts';
import type { FailureSignal } from '../../src/errors/classify-failure.ts';
import { SessionError } from '../../src/errors/session-error.ts';
import { oversizedRow, refusalOf, verdictOnDocuments } from '../../src/sync/push-batches.ts';
import type { DocumentsVerdict } from '../../src/sync/push-batches.ts';

const errors = (code?: string, message = 'failed') => ({ data: null, errors: [{ message, ...(code ? { extensions: { code } } : {}) }] });

// A push that fails is split (and in the end a document set aside) only when the server answered
// about what it was sent. The network, the token, the pace and a missing server say nothing about
// the documents: those retry the same request with backoff.
const table: Array<[string, FailureSignal, DocumentsVerdict | null]> = [
  ['413', { status: 413, body: errors('BAD_REQUEST', 'request body exceeds 65536 bytes') }, 'tooLarge'],
  ['400 BAD_USER_INPUT (variables did not coerce)', { status: 400, body: errors('BAD_USER_INPUT') }, 'refused'],
  ['200 + FORBIDDEN naming no document', { status: 200, body: errors('FORBIDDEN') }, 'refused'],
  ['200 + an error without a code (a resolver threw)', { status: 200, body: errors() }, 'refused'],
  ['403', { status: 403 }, 'refused'],
  ['500 without a body', { status: 500 }, 'serverError'],
  ['500 + INTERNAL_SERVER_ERROR', { status: 500, body: errors('INTERNAL_SERVER_ERROR') }, 'serverError'],
  ['200 + INTERNAL_SERVER_ERROR', { status: 200, body: errors('INTERNAL_SERVER_ERROR') }, 'serverError'],
  ['200 with neither data nor errors', { status: 200, body: { hello: 1 } }, 'serverError'],
  ['fetch threw', { thrown: new TypeError('fetch failed') }, null],
  ['timeout', { thrown: new DOMException('timed out', 'TimeoutError') }, null],
  ['200 with a cut-off body', { status: 200, body: '{"data":{"pushTo' }, null],
  ['401', { status: 401, body: errors('UNAUTHENTICATED') }, null],
  ['200 + UNAUTHENTICATED', { status: 200, body: errors('UNAUTHENTICATED') }, null],
  ['429', { status: 429 }, null],
  ['408', { status: 408 }, null],
  ['502', { status: 502 }, null],
  ['503', { status: 503 }, null],
  ['504', { status: 504 }, null],
  ['404 (not this URL)', { status: 404 }, null],
  ['200 + SERVICE_UNAVAILABLE', { status: 200, body: errors('SERVICE_UNAVAILABLE') }, null],
];

describe('what a failed push says about its documents', () => {
  it.each(table)('%s → %s', (_name, signal, verdict) => {
    const failure = classifyFailure(signal, 'data');
    expect(verdictOnDocuments(failure)).toBe(verdict);
    // The same through the SessionError the transport throws.
    expect(verdictOnDocuments(SessionError.fromFailure(failure).toFailure())).toBe(verdict);
  });

  it('gives the server\'s code as the refusal code, else the HTTP status', () => {
    expect(refusalOf(classifyFailure({ status: 200, body: errors('INTERNAL_SERVER_ERROR', 'db said no') }, 'data'))).toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
    expect(refusalOf(classifyFailure({ status: 500, body: errors(undefined, 'db said no') }, 'data'))).toMatchObject({ code: 'HTTP_500' });
    expect(refusalOf(classifyFailure({ status: 500, body: errors(undefined, 'db said no') }, 'data'))!.reason).toContain('db said no');
    expect(refusalOf(classifyFailure({ status: 413 }, 'data'))).toMatchObject({ code: 'tooLarge' });
    expect(refusalOf(classifyFailure({ status: 503 }, 'data'))).toBeNull();
  });

  it('measures a row in UTF-8 bytes against maxRequestBytes', () => {
    const row = (title: string) => ({ newDocumentState: { id: 'd', title, deleted: false } });
    expect(oversizedRow(row('a'.repeat(10_000)), 16_384)).toBeNull();
    // 4,000 UTF-16 units of 3 bytes each: 12,000 bytes, over a 12 KiB request with its envelope.
    expect(oversizedRow(row('€'.repeat(4_000)), 12_288)).toEqual({ code: 'tooLarge', reason: 'document is 11.8 KiB; a request may carry at most 12 KiB (maxRequestBytes)' });
    // An emoji is two UTF-16 units and four bytes, not six.
    expect(oversizedRow(row('😀'.repeat(3_000)), 16_384)).toBeNull();
  });
});
