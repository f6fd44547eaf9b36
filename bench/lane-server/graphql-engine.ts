// The lane server's GraphQL: each distinct query text is parsed and validated once (graphql-js) and
// turned into a plan. The plan for one root field pullX / pushX / streamX with plain field selections
// (what RxDB's plugin, raw handlers and the library send) calls the store directly and projects the
// answer with a precompiled selection; anything else runs through graphql-js `execute` / `subscribe`.
import {
  buildSchema, execute, getArgumentValues, getNamedType, getOperationAST, GraphQLError, isInputObjectType, isListType,
  isNonNullType, isObjectType, parse, subscribe, typeFromAST, validate, valueFromAST, type DocumentNode, type ExecutionResult,
  type FieldNode, type GraphQLFormattedError, type GraphQLInputType, type GraphQLObjectType, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import { bulkStream } from '../../examples/server/graphql/bulk-stream.ts';
import { schemaSdl } from '../../examples/server/graphql/schema-sdl.ts';
import { typeName, type CollectionsConfig } from '../../examples/server/sync/collections.ts';
import type { ServerStats } from '../../examples/server/stats.ts';
import type { Checkpoint, DocumentLog, PushRowInput, WireDocument } from './document-log.ts';

/** A verified caller. */
export interface Caller { userId: string; exp: number }
/** One change batch of an owner's collection, as the stream sends it. */
export interface Bulk { documents: WireDocument[]; checkpoint: Checkpoint | null }
/** Fans out committed batches to stream subscribers. */
export class ChangeFanout {
  readonly #subscribers = new Map<string, Set<(bulk: Bulk) => void>>();

  subscribe(owner: string, collection: string, deliver: (bulk: Bulk) => void): () => void {
    const key = `${owner}\u0000${collection}`;
    let set = this.#subscribers.get(key);
    if (!set) this.#subscribers.set(key, (set = new Set()));
    set.add(deliver);
    return () => {
      set.delete(deliver);
      if (set.size === 0 && this.#subscribers.get(key) === set) this.#subscribers.delete(key);
    };
  }

  /** Delivers a committed batch after the current turn (the push's own HTTP answer is written first). */
  publish(owner: string, collection: string, documents: WireDocument[]): void {
    const set = this.#subscribers.get(`${owner}\u0000${collection}`);
    const last = documents.at(-1);
    if (!set || !last) return;
    const bulk: Bulk = { documents, checkpoint: { id: last.id, updatedAt: last.updatedAt } };
    setImmediate(() => {
      for (const deliver of set) deliver(bulk);
    });
  }
}

interface Context { user: Caller; refusals: GraphQLError[] }
type Projector = (value: unknown) => unknown;
type Coercer = (value: unknown, path: string) => unknown;

interface FastPlan {
  kind: 'pull' | 'push' | 'stream';
  collection: string;
  responseKey: string;
  operation: OperationDefinitionNode;
  field: FieldNode;
  fieldDef: ReturnType<GraphQLObjectType['getFields']>[string];
  project: Projector;
  variables: (values: Record<string, unknown>) => Record<string, unknown>;
}
interface GeneralPlan { kind: 'general'; document: DocumentNode; operation: OperationDefinitionNode }
type Plan = FastPlan | GeneralPlan | { kind: 'invalid'; status: number; errors: GraphQLFormattedError[] };

/** What a subscribe resolves to: a source of `next` payloads, or errors. */
export type Subscription =
  | { ok: true; start(send: (payload: ExecutionResult | string) => void, complete: () => void): () => void }
  | { ok: false; errors: GraphQLFormattedError[] };

const CACHE_LIMIT = 500;
const MAX_LIMIT = 10_000;
const error = (message: string, code: string): GraphQLFormattedError => ({ message, extensions: { code } });

function projector(schema: GraphQLSchema, type: GraphQLObjectType, selectionSet: SelectionSetNode): Projector | null {
  const fields: { key: string; name: string; sub: Projector | null }[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind !== 'Field' || (selection.directives?.length ?? 0) > 0) return null;
    const name = selection.name.value;
    const key = selection.alias?.value ?? name;
    if (name === '__typename') {
      fields.push({ key, name, sub: null });
      continue;
    }
    const def = type.getFields()[name];
    if (!def) return null;
    let sub: Projector | null = null;
    if (selection.selectionSet) {
      const named = getNamedType(def.type);
      if (!isObjectType(named)) return null;
      sub = projector(schema, named, selection.selectionSet);
      if (!sub) return null;
    }
    fields.push({ key, name, sub });
  }
  const typename = type.name;
  const one = (value: unknown): unknown => {
    if (value === null || value === undefined) return null;
    if (Array.isArray(value)) return value.map(one);
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      if (f.name === '__typename') out[f.key] = typename;
      else {
        const v = source[f.name];
        out[f.key] = f.sub === null ? (v ?? null) : f.sub(v);
      }
    }
    return out;
  };
  return one;
}

const invalidValue = (path: string, why: string) =>
  new GraphQLError(`Variable "$${path}" got invalid value: ${why}`, { extensions: { code: 'BAD_USER_INPUT' } });

/**
 * Input coercion compiled once per type: what graphql-js's getVariableValues does (non-null, lists,
 * input objects with unknown and missing fields, scalar parseValue), at a fraction of its cost on
 * a 1,000-row push.
 */
function coercer(type: GraphQLInputType): Coercer {
  if (isNonNullType(type)) {
    const inner = coercer(type.ofType);
    return (value, path) => {
      if (value === null || value === undefined) throw invalidValue(path, 'expected a non-null value');
      return inner(value, path);
    };
  }
  if (isListType(type)) {
    const inner = coercer(type.ofType);
    return (value, path) => {
      if (value === null || value === undefined) return null;
      return Array.isArray(value) ? value.map((item, i) => inner(item, `${path}[${i}]`)) : [inner(value, path)];
    };
  }
  if (isInputObjectType(type)) {
    let fields: { name: string; coerce: Coercer; required: boolean; defaultValue: unknown }[] | undefined;
    let known: Set<string> | undefined;
    return (value, path) => {
      if (value === null || value === undefined) return null;
      if (typeof value !== 'object' || Array.isArray(value)) throw invalidValue(path, `expected an object of type ${type.name}`);
      // Compiled on first use: input types may refer to themselves.
      fields ??= Object.values(type.getFields()).map((f) => ({ name: f.name, coerce: coercer(f.type), required: isNonNullType(f.type) && f.defaultValue === undefined, defaultValue: f.defaultValue }));
      known ??= new Set(fields.map((f) => f.name));
      const source = value as Record<string, unknown>;
      for (const key in source) if (!known.has(key)) throw invalidValue(path, `field "${key}" is not defined by type ${type.name}`);
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        const v = source[f.name];
        if (v === undefined) {
          if (f.defaultValue !== undefined) out[f.name] = f.defaultValue;
          else if (f.required) throw invalidValue(path, `field "${f.name}" of required type was not provided`);
        } else out[f.name] = f.coerce(v, `${path}.${f.name}`);
      }
      return out;
    };
  }
  return (value, path) => {
    if (value === null || value === undefined) return null;
    try {
      return type.parseValue(value);
    } catch (e) {
      throw invalidValue(path, e instanceof Error ? e.message : String(e));
    }
  };
}

function variablesCoercer(schema: GraphQLSchema, operation: OperationDefinitionNode): FastPlan['variables'] | null {
  const defs: { name: string; coerce: Coercer; defaultValue: unknown; required: boolean }[] = [];
  for (const def of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, def.type as never) as GraphQLInputType | undefined;
    if (!type) return null;
    const defaultValue = def.defaultValue ? valueFromAST(def.defaultValue, type) : undefined;
    defs.push({ name: def.variable.name.value, coerce: coercer(type), defaultValue, required: isNonNullType(type) });
  }
  return (values) => {
    const out: Record<string, unknown> = {};
    for (const d of defs) {
      const v = values[d.name];
      if (v === undefined) {
        if (d.defaultValue !== undefined) out[d.name] = d.defaultValue;
        else if (d.required) throw invalidValue(d.name, 'a value of a required type was not provided');
      } else out[d.name] = d.coerce(v, d.name);
    }
    return out;
  };
}

/**
 * GraphQL over the lane server's document log, in DESIGN.md's RxDB convention.
 *
 * @example
 * const engine = new GraphQLEngine(DEFAULT_COLLECTIONS, store, fanout, stats);
 * const { status, text } = engine.run({ query, variables }, caller);
 */
export class GraphQLEngine {
  readonly schema: GraphQLSchema;
  readonly #plans = new Map<string, Plan>();
  readonly #byRootField = new Map<string, { kind: FastPlan['kind']; collection: string }>();
  readonly #rootValue: Record<string, unknown> = {};

  constructor(collections: CollectionsConfig, private readonly store: DocumentLog, private readonly fanout: ChangeFanout, private readonly stats: ServerStats) {
    this.schema = buildSchema(schemaSdl(collections));
    for (const collection of Object.keys(collections)) {
      const T = typeName(collection);
      this.#byRootField.set(`pull${T}`, { kind: 'pull', collection });
      this.#byRootField.set(`push${T}`, { kind: 'push', collection });
      this.#byRootField.set(`stream${T}`, { kind: 'stream', collection });
      this.#rootValue[`pull${T}`] = (args: { checkpoint?: Checkpoint | null; limit: number }, ctx: Context) => this.#pull(collection, args, ctx);
      this.#rootValue[`push${T}`] = (args: { rows: PushRowInput[] }, ctx: Context) => this.#push(collection, args, ctx);
      this.#rootValue[`stream${T}`] = (_args: unknown, ctx: Context) =>
        bulkStream((push) => this.#subscribeFeed(collection, ctx, (bulk) => push({ [`stream${T}`]: bulk })));
    }
  }

  #pull(collection: string, args: { checkpoint?: Checkpoint | null; limit: number }, ctx: Context) {
    if (!Number.isInteger(args.limit) || args.limit < 1 || args.limit > MAX_LIMIT) {
      throw new GraphQLError(`limit must be between 1 and ${MAX_LIMIT}`, { extensions: { code: 'BAD_USER_INPUT' } });
    }
    this.stats.pulls += 1;
    return this.store.pull(ctx.user.userId, collection, args.checkpoint ?? null, args.limit);
  }

  #push(collection: string, args: { rows: PushRowInput[] }, ctx: Context): WireDocument[] {
    this.stats.pushes += 1;
    if (args.rows.length === 0) return [];
    const outcome = this.store.push(ctx.user.userId, collection, args.rows);
    this.stats.pushedDocuments += outcome.written.length;
    this.stats.conflicts += outcome.conflicts.length;
    this.fanout.publish(ctx.user.userId, collection, outcome.written);
    for (const refused of outcome.refused) {
      ctx.refusals.push(new GraphQLError(refused.message, { path: [`push${typeName(collection)}`], extensions: { code: refused.code, documentId: refused.documentId } }));
    }
    return outcome.conflicts;
  }

  #subscribeFeed(collection: string, ctx: Context, deliver: (bulk: Bulk) => void): () => void {
    this.stats.activeStreams += 1;
    const stop = this.fanout.subscribe(ctx.user.userId, collection, deliver);
    return () => {
      this.stats.activeStreams -= 1;
      stop();
    };
  }

  #plan(query: string, operationName: string | undefined): Plan {
    const key = operationName === undefined ? query : `${query}\u0000${operationName}`;
    const cached = this.#plans.get(key);
    if (cached) return cached;
    const plan = this.#makePlan(query, operationName);
    if (this.#plans.size >= CACHE_LIMIT) this.#plans.clear();
    this.#plans.set(key, plan);
    return plan;
  }

  #makePlan(query: string, operationName: string | undefined): Plan {
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: 10_000 });
    } catch (e) {
      return { kind: 'invalid', status: 400, errors: [e instanceof GraphQLError ? e.toJSON() : error(String(e), 'GRAPHQL_PARSE_FAILED')] };
    }
    const errors = validate(this.schema, document);
    if (errors.length > 0) return { kind: 'invalid', status: 400, errors: errors.map((e) => ({ ...e.toJSON(), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })) };
    const operation = getOperationAST(document, operationName);
    if (!operation) return { kind: 'invalid', status: 400, errors: [error('could not determine which operation to run', 'BAD_REQUEST')] };
    const general: GeneralPlan = { kind: 'general', document, operation };
    const [only, ...more] = operation.selectionSet.selections;
    if (more.length > 0 || only?.kind !== 'Field' || (only.directives?.length ?? 0) > 0 || (operation.directives?.length ?? 0) > 0) return general;
    const root = this.#byRootField.get(only.name.value);
    const rootType = operation.operation === 'query' ? this.schema.getQueryType() : operation.operation === 'mutation' ? this.schema.getMutationType() : this.schema.getSubscriptionType();
    const fieldDef = rootType?.getFields()[only.name.value];
    if (!root || !fieldDef || !only.selectionSet) return general;
    const returned = getNamedType(fieldDef.type);
    if (!isObjectType(returned)) return general;
    const project = projector(this.schema, returned, only.selectionSet);
    const variables = variablesCoercer(this.schema, operation);
    if (!project || !variables) return general;
    return { kind: root.kind, collection: root.collection, responseKey: only.alias?.value ?? only.name.value, operation, field: only, fieldDef, project, variables };
  }

  /** Answers one POST /graphql body (already JSON-parsed) for a verified caller; never throws. */
  async run(body: unknown, user: Caller): Promise<{ status: number; text: string }> {
    const answer = (status: number, value: unknown) => ({ status, text: JSON.stringify(value) });
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return answer(400, { errors: [error('expected a JSON object with a "query" string', 'BAD_REQUEST')] });
    const { query, variables, operationName } = body as Record<string, unknown>;
    if (typeof query !== 'string') return answer(400, { errors: [error('"query" must be a string', 'BAD_REQUEST')] });
    if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return answer(400, { errors: [error('"variables" must be an object', 'BAD_REQUEST')] });
    const plan = this.#plan(query, typeof operationName === 'string' ? operationName : undefined);
    if (plan.kind === 'invalid') return answer(plan.status, { errors: plan.errors });
    if (plan.operation.operation === 'subscription') return answer(400, { errors: [error('subscriptions run over the websocket at this path', 'BAD_REQUEST')] });
    const context: Context = { user, refusals: [] };
    if (plan.kind === 'general') {
      const result = await execute({ schema: this.schema, document: plan.document, rootValue: this.#rootValue, contextValue: context, variableValues: (variables ?? undefined) as Record<string, unknown> | undefined, operationName: plan.operation.name?.value });
      if (result.data === undefined || result.data === null) return answer(400, { errors: (result.errors ?? []).map((e) => e.toJSON()) });
      const errors = [...(result.errors ?? []), ...context.refusals].map((e) => e.toJSON());
      return answer(200, errors.length > 0 ? { data: result.data, errors } : { data: result.data });
    }
    const args = this.#args(plan, (variables ?? {}) as Record<string, unknown>);
    if ('errors' in args) return answer(400, { errors: args.errors });
    try {
      const value = plan.kind === 'pull' ? this.#pull(plan.collection, args.values as never, context) : this.#push(plan.collection, args.values as never, context);
      const data = { [plan.responseKey]: plan.project(value) };
      const errors = context.refusals.map((e) => e.toJSON());
      return answer(200, errors.length > 0 ? { data, errors } : { data });
    } catch (e) {
      const formatted = e instanceof GraphQLError ? { ...e.toJSON(), path: [plan.responseKey] } : error('internal server error', 'INTERNAL_SERVER_ERROR');
      return answer(200, { data: null, errors: [formatted] });
    }
  }

  #args(plan: FastPlan, variables: Record<string, unknown>): { values: Record<string, unknown> } | { errors: GraphQLFormattedError[] } {
    try {
      return { values: getArgumentValues(plan.fieldDef, plan.field, plan.variables(variables)) };
    } catch (e) {
      return { errors: [e instanceof GraphQLError ? e.toJSON() : error(String(e), 'BAD_USER_INPUT')] };
    }
  }

  /** Prepares a graphql-ws `subscribe` payload for a verified caller. */
  async subscribe(payload: { query?: unknown; variables?: unknown; operationName?: unknown }, user: Caller): Promise<Subscription> {
    if (typeof payload?.query !== 'string') return { ok: false, errors: [error('"query" must be a string', 'BAD_REQUEST')] };
    const plan = this.#plan(payload.query, typeof payload.operationName === 'string' ? payload.operationName : undefined);
    if (plan.kind === 'invalid') return { ok: false, errors: plan.errors };
    const context: Context = { user, refusals: [] };
    if (plan.kind === 'stream') {
      const { collection, responseKey, project } = plan;
      return {
        ok: true,
        start: (send) => this.#subscribeFeed(collection, context, (bulk) => send(`{"data":${JSON.stringify({ [responseKey]: project(bulk) })}}`)),
      };
    }
    if (plan.kind !== 'general') {
      // A query or mutation over the socket: one result, then complete (graphql-ws allows it).
      const body = { query: payload.query, variables: payload.variables, operationName: payload.operationName };
      const { text } = await this.run(body, user);
      return { ok: true, start: (send, complete) => (send(text), complete(), () => {}) };
    }
    const result = await subscribe({ schema: this.schema, document: plan.document, rootValue: this.#rootValue, contextValue: context, variableValues: (payload.variables ?? undefined) as Record<string, unknown> | undefined, operationName: plan.operation.name?.value });
    if (!(Symbol.asyncIterator in result)) {
      if (result.data === undefined || result.data === null) return { ok: false, errors: (result.errors ?? []).map((e) => e.toJSON()) };
      return { ok: true, start: (send, complete) => (send(result), complete(), () => {}) };
    }
    return {
      ok: true,
      start: (send, complete) => {
        void (async () => {
          for await (const next of result) send(next);
          complete();
        })();
        return () => void result.return?.();
      },
    };
  }
}
