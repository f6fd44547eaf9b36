import type { RxJsonSchema } from 'rxdb';
import { defaultOperations, graphQLTypeName, type CollectionOperations, type PushRow, type PullBulk, type ServerDocument } from '../sync/graphql-operations.ts';
import type { CheckGroup, ConformanceFieldKind } from './types.ts';
import { asBulk, CheckFailed, clip, errorSummary, fieldOf, postGraphQL, type HttpAnswer, type Wire, type WireError } from './wire.ts';

/** Which of the run's two users. */
export type Who = 'A' | 'B';

/** One check: what it needs, and the function that returns its pass reason (or throws CheckFailed / CheckSkipped). */
export interface CheckSpec {
  id: string;
  group: CheckGroup;
  title: string;
  needs?: ReadonlyArray<'userB' | 'ws' | 'expiredToken'>;
  run(run: RunContext): Promise<string>;
}

/** The answer to a push: the conflicts (null when `data` has none) and the errors next to them. */
export interface PushAnswer {
  conflicts: ServerDocument[] | null;
  errors: WireError[];
  answer: HttpAnswer;
}

const MAX_PAGES = 2000;

/** The state one run shares between its checks: the server, the users' tokens, what was written. */
export class RunContext {
  readonly wire: Wire;
  readonly ops: CollectionOperations;
  readonly type: string;
  readonly fields: Record<string, ConformanceFieldKind>;
  readonly tokens: { A: string; B: string | undefined };
  readonly expiredToken: string | undefined;
  readonly idPrefix: string;
  /** Ids written per user, for the clean-up. */
  readonly written: Record<Who, Set<string>> = { A: new Set(), B: new Set() };
  /** Each user's checkpoint at the end of their documents when the run started. */
  readonly start: Record<Who, unknown> = { A: null, B: null };

  constructor(opts: {
    wire: Wire;
    collection: string;
    fields: Record<string, ConformanceFieldKind>;
    tokens: { A: string; B: string | undefined };
    expiredToken: string | undefined;
    idPrefix: string;
  }) {
    this.wire = opts.wire;
    this.fields = opts.fields;
    this.tokens = opts.tokens;
    this.expiredToken = opts.expiredToken;
    this.idPrefix = opts.idPrefix;
    this.type = graphQLTypeName(opts.collection);
    this.ops = defaultOperations(opts.collection, schemaOf(opts.fields));
  }

  id(name: string): string {
    return `${this.idPrefix}${name}`;
  }

  /** Sample content number `n`: distinct for distinct `n` in every field. */
  content(n: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [field, kind] of Object.entries(this.fields)) {
      out[field] = kind === 'string' ? `conformance ${n}` : kind === 'boolean' ? n % 2 === 1 : kind === 'number' ? n + 0.5 : n;
    }
    return out;
  }

  doc(id: string, n: number, deleted = false): ServerDocument {
    return { id, ...this.content(n), deleted };
  }

  /** Whether two documents hold the same content (the fields and `deleted`; not `updatedAt`). */
  sameContent(a: ServerDocument, b: ServerDocument): boolean {
    return [...Object.keys(this.fields), 'deleted'].every((f) => JSON.stringify(a[f] ?? null) === JSON.stringify(b[f] ?? null));
  }

  /** A short description of a document's content for a reason line. */
  describe(doc: ServerDocument | undefined): string {
    if (!doc) return 'nothing';
    const content: Record<string, unknown> = {};
    for (const f of [...Object.keys(this.fields), 'deleted']) content[f] = doc[f];
    return clip(JSON.stringify(content), 80);
  }

  async pull(who: Who, checkpoint: unknown, limit: number): Promise<PullBulk> {
    const { pull } = this.ops;
    const answer = await postGraphQL(this.wire, this.token(who), pull.query, pull.variables(checkpoint, limit));
    const { value, errors } = fieldOf(answer, `pull${this.type}`);
    if (errors.length > 0) throw new CheckFailed(`pull${this.type} answered with errors: ${errorSummary(errors)}`);
    return asBulk(value, `pull${this.type}`);
  }

  async push(who: Who, rows: readonly PushRow[]): Promise<PushAnswer> {
    const { push } = this.ops;
    for (const row of rows) this.written[who].add(String(row.newDocumentState['id']));
    const answer = await postGraphQL(this.wire, this.token(who), push.query, push.variables(rows));
    const { value, errors } = fieldOf(answer, `push${this.type}`);
    if (value !== null && value !== undefined && !Array.isArray(value)) throw new CheckFailed(`push${this.type} returned ${clip(JSON.stringify(value))}, not a list of documents`);
    return { conflicts: (value as ServerDocument[] | null | undefined) ?? null, errors, answer };
  }

  /** Pushes rows that must be written without conflict or error; `what` names them in a failure. */
  async pushClean(who: Who, rows: readonly PushRow[], what: string): Promise<void> {
    const { conflicts, errors } = await this.push(who, rows);
    if (errors.length > 0) throw new CheckFailed(`pushing ${what} failed: ${errorSummary(errors)}`);
    if (conflicts === null) throw new CheckFailed(`pushing ${what} returned no data`);
    if (conflicts.length > 0) throw new CheckFailed(`pushing ${what} was answered with ${conflicts.length} conflict(s): ${this.describe(conflicts[0])}`);
  }

  /** Every page from `from` until an empty one: the documents in the order received, and the final empty page. */
  async pullToEnd(who: Who, from: unknown, limit = 500): Promise<{ documents: ServerDocument[]; pages: PullBulk[]; last: unknown; empty: PullBulk }> {
    const documents: ServerDocument[] = [];
    const pages: PullBulk[] = [];
    let checkpoint = from;
    for (let page = 0; page < MAX_PAGES; page++) {
      const bulk = await this.pull(who, checkpoint, limit);
      if (bulk.documents.length === 0) return { documents, pages, last: checkpoint, empty: bulk };
      if (bulk.documents.length > limit) throw new CheckFailed(`a pull with limit ${limit} returned ${bulk.documents.length} documents`);
      if (bulk.checkpoint === null || bulk.checkpoint === undefined) throw new CheckFailed(`a pull page of ${bulk.documents.length} document(s) came with a null checkpoint`);
      if (JSON.stringify(bulk.checkpoint) === JSON.stringify(checkpoint)) throw new CheckFailed(`a pull page of ${bulk.documents.length} document(s) returned the checkpoint it was sent: the pull never advances`);
      documents.push(...bulk.documents);
      pages.push(bulk);
      checkpoint = bulk.checkpoint;
    }
    throw new CheckFailed(`the pull did not end after ${MAX_PAGES} pages of ${limit}`);
  }

  /** The newest version of each of `ids` the user can pull after `from` (later pages win). */
  async latest(who: Who, ids: readonly string[], from: unknown = this.start[who]): Promise<Map<string, ServerDocument>> {
    const wanted = new Set(ids);
    const out = new Map<string, ServerDocument>();
    for (const doc of (await this.pullToEnd(who, from)).documents) if (wanted.has(String(doc['id']))) out.set(String(doc['id']), doc);
    return out;
  }

  token(who: Who): string {
    const token = this.tokens[who];
    if (token === undefined) throw new CheckFailed(`no token for user ${who}`);
    return token;
  }
}

function schemaOf(fields: Record<string, ConformanceFieldKind>): RxJsonSchema<any> {
  const properties: Record<string, { type: string; maxLength?: number }> = { id: { type: 'string', maxLength: 600 } };
  for (const [name, kind] of Object.entries(fields)) properties[name] = { type: kind };
  properties['updatedAt'] = { type: 'number' };
  return { version: 0, primaryKey: 'id', type: 'object', properties, required: ['id'] } as RxJsonSchema<any>;
}
