import type { WithDeleted } from 'rxdb';
import type { ClassifiedFailure } from '../errors/classify-failure.ts';
import type { Logger } from '../platform/logger.ts';
import type { PushRow } from './graphql-operations.ts';
import { retryDelay } from './retry-delay.ts';
import type { RetryPolicy } from './retry-delay.ts';
import { failureOf } from './sync-transport.ts';

/**
 * Why a document cannot be pushed, as the rejected list shows it.
 *
 * @example
 * ```ts
 * const refusal: Refusal = { code: 'tooLarge', reason: 'document is 1.3 MiB; a request may carry at most 1 MiB (maxRequestBytes)' };
 * ```
 */
export interface Refusal {
  /** The server's code (`extensions.code`, else `HTTP_<status>`), or `tooLarge`. */
  code: string;
  reason: string;
}

/**
 * A row that will not be pushed, and why.
 */
export interface SetAsideRow extends Refusal {
  row: PushRow;
}

/**
 * What an answered failure says about the documents of the request that met it:
 * - `tooLarge`: HTTP 413, the body is over the server's limit (fewer rows would pass);
 * - `refused`: the server refused the request as it is (a 4xx, or a 2xx whose errors are not a
 *   server fault): the same request would be refused again;
 * - `serverError`: the server failed while handling it (500, `INTERNAL_SERVER_ERROR`, an answer of
 *   the wrong shape): maybe because of one of its documents, maybe a passing fault.
 *
 * @example
 * ```ts
 * const verdict: DocumentsVerdict | null = verdictOnDocuments(failure);
 * ```
 */
export type DocumentsVerdict = 'tooLarge' | 'refused' | 'serverError';

/**
 * Options of {@link PushBatches}: the replication's I/O, passed in.
 */
export interface PushBatchesOptions {
  /** One push request of `rows`: resolves with the server's conflicts, or throws what failed. */
  send(rows: PushRow[]): Promise<WithDeleted<any>[]>;
  /** Lists rows that will not be pushed (RxDB then counts them as pushed: they leave the outbox). */
  setAside(entries: readonly SetAsideRow[]): Promise<void>;
  /** Waits while sending is held; false once the replication stopped (nothing more is sent or decided). */
  sendable(): Promise<boolean>;
  /** The backoff wait (the replication cuts it short on wake, pause and close). */
  sleep(ms: number): Promise<void>;
  /** A push request was accepted. */
  succeeded(): void;
  /** A push request failed (a 413 that only splits the batch is not reported). */
  failed(failure: ClassifiedFailure): void;
  /** No request body is larger; a single row that alone would be is set aside without being sent. */
  maxRequestBytes: number;
  retry?: RetryPolicy | undefined;
  logger: Logger;
}

// The mutation text and the JSON around the rows.
const ENVELOPE_BYTES = 4_096;
// Answered failures of one request before it is split (or, alone, set aside): a refusal is the
// same whenever asked; a server error may pass, so it is asked again after the backoff first.
const PATIENCE: Record<'refused' | 'serverError', number> = { refused: 1, serverError: 3 };
// A lone document whose batch had nothing else that landed has shown nothing about itself: the
// server may be failing every write. It keeps its place longer (minutes at the default backoff).
const PATIENCE_WITHOUT_EVIDENCE = 20;
// A gateway or a server that is not there (404/405: not this URL), a timeout: no verdict on documents.
const NO_VERDICT_STATUSES = new Set([404, 405, 408, 502, 503, 504]);
const UNAVAILABLE_CODES = new Set(['SERVICE_UNAVAILABLE', 'TIMEOUT']);

/**
 * Pushes the batches RxDB hands the push handler so that no document and no batch can stall the
 * outbox:
 * - a batch goes as one request unless its body would pass `maxRequestBytes` (then in parts, in
 *   order); a row that alone would pass it is set aside as `tooLarge` without being sent;
 * - a 413 splits the request in halves at once, and lowers the bound for the parts after it;
 * - a request the server keeps failing without naming a document (a refusal: once; a server
 *   error: three times, with backoff) is split in halves, each pushed the same way; a document
 *   that keeps failing alone is set aside with the server's code and message;
 * - failures that say nothing about the documents (network, token, 429, 502/503/504) retry the
 *   same request forever with backoff, as before.
 *
 * A server failing every write (every push a 500) looks, from here, like a batch of nothing but
 * poison. So a lone document is set aside at once only when something else in its batch landed;
 * otherwise it is put back until the rest of the batch has been pushed, then tried alone again:
 * at the usual patience if anything landed meanwhile, else for 20 more failures (minutes at
 * the default backoff). And the backoff grows across the parts of a bisection until a push lands, so a broken
 * server is asked no more often than before. Nothing is lost either way: a set-aside document
 * stays local and can be retried.
 *
 * Resolves once every row was accepted or set aside (or the replication stopped): returning tells
 * RxDB the rows were pushed.
 *
 * @example
 * ```ts
 * const batches = new PushBatches({ send, setAside, sendable, sleep, succeeded, failed, maxRequestBytes: 1_048_576, logger });
 * const conflicts = await batches.push(rows); // in RxDB's push handler
 * ```
 */
export class PushBatches {
  readonly #opts: PushBatchesOptions;
  readonly #maxRowBytes: number;
  // Bytes of rows one request carries: the request bound, lowered by every 413 of several rows.
  #rowBudget: number;
  // Failed requests since a push last landed: the backoff exponent, shared by all parts.
  #failures = 0;

  constructor(opts: PushBatchesOptions) {
    this.#opts = opts;
    this.#maxRowBytes = rowBytesWithin(opts.maxRequestBytes);
    this.#rowBudget = this.#maxRowBytes;
  }

  /** Pushes one batch; resolves with the conflicts of every part once each row landed or was set aside. */
  async push(rows: readonly PushRow[]): Promise<WithDeleted<any>[]> {
    // Nothing is decided while held, not even locally.
    if (!(await this.#opts.sendable())) return [];
    const run: BatchRun = { landed: false, stopped: false, deferred: [] };
    const sized = measured(rows, this.#rowBudget);
    const oversized = sized.filter((row) => row.bytes > this.#maxRowBytes);
    if (oversized.length > 0) {
      await this.#opts.setAside(oversized.map((row) => ({ row: row.row, ...tooLargeToSend(row.bytes, this.#opts.maxRequestBytes) })));
    }
    const conflicts = await this.#deliver(sized.filter((row) => row.bytes <= this.#maxRowBytes), run, 'first');
    for (const row of run.deferred) {
      if (run.stopped) break;
      conflicts.push(...await this.#deliver([row], run, run.landed ? 'confirm' : 'withoutEvidence'));
    }
    return conflicts;
  }

  async #deliver(rows: SizedRow[], run: BatchRun, pass: Pass): Promise<WithDeleted<any>[]> {
    if (rows.length === 0) return [];
    if (rows.length > 1 && !fits(rows, this.#rowBudget)) return this.#deliverEach(packed(rows, this.#rowBudget), run, pass);
    // Answered failures of this request; network failures neither count nor reset them.
    let answered = 0;
    for (;;) {
      if (!(await this.#opts.sendable())) {
        run.stopped = true;
        return [];
      }
      let failure: ClassifiedFailure;
      try {
        const conflicts = await this.#opts.send(rows.map((row) => row.row));
        this.#failures = 0;
        run.landed = true;
        this.#opts.succeeded();
        return conflicts;
      } catch (error) {
        failure = failureOf(error);
      }
      const verdict = verdictOnDocuments(failure);
      if (verdict === 'tooLarge') return this.#tooLargeForServer(rows, run, pass, failure);
      this.#opts.failed(failure);
      const delay = retryDelay(this.#failures++, failure, this.#opts.retry);
      if (verdict) answered += 1;
      const giveUp = verdict !== null && answered >= (pass === 'withoutEvidence' ? PATIENCE_WITHOUT_EVIDENCE : PATIENCE[verdict]);
      // A refusal would be the same after any wait: its halves go at once. Anything else waits
      // before the next request, whichever it is.
      if (!giveUp || verdict !== 'refused') await this.#opts.sleep(delay);
      if (!giveUp) continue;
      if (rows.length > 1) return this.#deliverEach(halves(rows), run, pass);
      if (pass === 'first' && !run.landed) {
        run.deferred.push(rows[0]!);
        return [];
      }
      await this.#opts.setAside([{ row: rows[0]!.row, ...failedAlone(failure, answered, run.landed) }]);
      return [];
    }
  }

  async #deliverEach(parts: SizedRow[][], run: BatchRun, pass: Pass): Promise<WithDeleted<any>[]> {
    const conflicts: WithDeleted<any>[] = [];
    for (const part of parts) {
      if (run.stopped) break;
      conflicts.push(...await this.#deliver(part, run, pass));
    }
    return conflicts;
  }

  // Not a failure: the server's body limit is lower than ours. Fewer rows per request pass it.
  async #tooLargeForServer(rows: SizedRow[], run: BatchRun, pass: Pass, failure: ClassifiedFailure): Promise<WithDeleted<any>[]> {
    if (rows.length === 1) {
      await this.#opts.setAside([{ row: rows[0]!.row, ...tooLargeForServer(exactly(rows[0]!).bytes, failure) }]);
      return [];
    }
    const bytes = rows.reduce((sum, row) => sum + exactly(row).bytes, 0);
    this.#rowBudget = Math.min(this.#rowBudget, bytes - 1);
    this.#opts.logger.debug('push over the server body limit: split', { rows: rows.length, bytes });
    return this.#deliverEach(halves(rows), run, pass);
  }
}

/**
 * What `failure` says about the documents of its request (see {@link DocumentsVerdict}), or null
 * when it says nothing about them: the server did not answer (network, timeout), or answered about
 * the token (401), the pace (429), or its own reachability (408, 502/503/504, 404/405, `SERVICE_UNAVAILABLE`).
 *
 * @example
 * ```ts
 * verdictOnDocuments({ kind: 'transient', code: 'NETWORK', message: 'HTTP 500', status: 500 }); // 'serverError'
 * verdictOnDocuments({ kind: 'transient', code: 'NETWORK', message: 'fetch failed' });            // null
 * ```
 */
export function verdictOnDocuments(failure: ClassifiedFailure): DocumentsVerdict | null {
  const { status, serverCode } = failure;
  if (status === undefined) return null;
  if (status === 413) return 'tooLarge';
  if (NO_VERDICT_STATUSES.has(status)) return null;
  if (serverCode !== undefined && UNAVAILABLE_CODES.has(serverCode.toUpperCase())) return null;
  switch (failure.kind) {
    case 'rejected':
      return 'refused';
    case 'protocol':
      return 'serverError';
    case 'transient':
      // A 2xx is transient for a server error code, or for a cut-off body (no code): not an answer.
      return status >= 500 || serverCode !== undefined ? 'serverError' : null;
    default:
      return null;
  }
}

/**
 * The refusal an answered failure of a one-document push stands for, or null when it says nothing
 * about the document (see {@link verdictOnDocuments}).
 *
 * @example
 * ```ts
 * refusalOf(failureOf(error)) ?? rethrow(error); // { code: 'BAD_USER_INPUT', reason: 'request rejected (HTTP 400 …' }
 * ```
 */
export function refusalOf(failure: ClassifiedFailure): Refusal | null {
  const verdict = verdictOnDocuments(failure);
  if (verdict === null) return null;
  if (verdict === 'tooLarge') return { code: 'tooLarge', reason: `the server refuses a request this large: ${failure.message}` };
  return { code: failure.serverCode ?? `HTTP_${failure.status}`, reason: failure.message };
}

/**
 * The refusal of a row whose request alone would be over `maxRequestBytes`, or null when it fits.
 *
 * @example
 * ```ts
 * oversizedRow(row, 1_048_576); // { code: 'tooLarge', reason: 'document is 1.3 MiB; a request may carry at most 1 MiB (maxRequestBytes)' }
 * ```
 */
export function oversizedRow(row: PushRow, maxRequestBytes: number): Refusal | null {
  const bytes = utf8Length(JSON.stringify(row)) + 1;
  return bytes > rowBytesWithin(maxRequestBytes) ? tooLargeToSend(bytes, maxRequestBytes) : null;
}

const rowBytesWithin = (maxRequestBytes: number): number => Math.max(1, maxRequestBytes - ENVELOPE_BYTES);

type Pass = 'first' | 'confirm' | 'withoutEvidence';

interface BatchRun {
  /** Something of this batch was accepted: the server takes writes, a lone failure is the document's own. */
  landed: boolean;
  stopped: boolean;
  /** Lone documents that failed before anything of the batch landed: tried again after the rest. */
  deferred: SizedRow[];
}

interface SizedRow {
  row: PushRow;
  /** Its JSON's UTF-8 bytes and a comma: exact, or until measured the bound of 3 bytes per UTF-16 unit. */
  bytes: number;
  exact: boolean;
}

// One JSON.stringify per row; exact UTF-8 counts only when the cheap bound says the rows might not fit.
function measured(rows: readonly PushRow[], budget: number): SizedRow[] {
  const sized = rows.map((row) => ({ row, bytes: JSON.stringify(row).length * 3 + 1, exact: false }));
  fits(sized, budget);
  return sized;
}

function fits(rows: SizedRow[], budget: number): boolean {
  if (total(rows) <= budget) return true;
  for (const row of rows) exactly(row);
  return total(rows) <= budget;
}

function exactly(row: SizedRow): SizedRow {
  if (!row.exact) {
    row.bytes = utf8Length(JSON.stringify(row.row)) + 1;
    row.exact = true;
  }
  return row;
}

const total = (rows: readonly SizedRow[]): number => rows.reduce((sum, row) => sum + row.bytes, 0);

// Greedy, in order (sizes are exact here: `fits` measured them). A row over the budget goes alone.
function packed(rows: SizedRow[], budget: number): SizedRow[][] {
  const parts: SizedRow[][] = [];
  let part: SizedRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (part.length > 0 && bytes + row.bytes > budget) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(row);
    bytes += row.bytes;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

function halves<T>(rows: T[]): T[][] {
  const middle = Math.ceil(rows.length / 2);
  return [rows.slice(0, middle), rows.slice(middle)];
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function tooLargeToSend(bytes: number, maxRequestBytes: number): Refusal {
  return { code: 'tooLarge', reason: `document is ${formatBytes(bytes)}; a request may carry at most ${formatBytes(maxRequestBytes)} (maxRequestBytes)` };
}

function tooLargeForServer(bytes: number, failure: ClassifiedFailure): Refusal {
  return { code: 'tooLarge', reason: `document is ${formatBytes(bytes)}; the server refuses a request that large: ${failure.message}` };
}

function failedAlone(failure: ClassifiedFailure, times: number, othersLanded: boolean): Refusal {
  const context = othersLanded ? 'while the rest of its batch was accepted' : 'and no other write was accepted meanwhile';
  const refusal = refusalOf(failure)!;
  return { code: refusal.code, reason: `${refusal.reason} (the server named no document; pushed alone, this one failed ${times} time(s) ${context})` };
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KiB'] : [bytes / (1024 * 1024), 'MiB'];
  return `${Number(value.toPrecision(3))} ${unit}`;
}
