import type { ServerDocument } from '../sync/graphql-operations.ts';
import type { CheckSpec, RunContext } from './run-context.ts';
import { CheckFailed, CheckSkipped, clip, errorSummary } from './wire.ts';

const TIES = 7;
const TIE_PAGE = 3;

const idOf = (doc: ServerDocument): string => String(doc['id']);
const updatedAtOf = (doc: ServerDocument): number => doc['updatedAt'] as number;
/** (updatedAt, id) order: negative when `a` comes first. */
const compare = (a: ServerDocument, b: ServerDocument): number =>
  updatedAtOf(a) - updatedAtOf(b) || (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0);
const checkpointOf = (doc: ServerDocument) => ({ id: idOf(doc), updatedAt: updatedAtOf(doc) });

/** pull.*: order, ties across a page boundary, the checkpoint round trip, the empty page, an unknown checkpoint. */
export const pullChecks: CheckSpec[] = [
  {
    id: 'pull.order',
    group: 'pull',
    title: 'documents come ordered by (updatedAt, id)',
    async run(run) {
      // Written in three pushes, in an order that differs from their ids' order.
      const names = ['order-c', 'order-a', 'order-b'];
      for (const [n, name] of names.entries()) await run.pushClean('A', [{ newDocumentState: run.doc(run.id(name), n) }], `document ${run.id(name)}`);
      const { documents } = await run.pullToEnd('A', run.start.A, 100);
      for (const name of names) {
        const times = documents.filter((doc) => idOf(doc) === run.id(name)).length;
        if (times === 0) throw new CheckFailed(`${run.id(name)}, just written, never came back from a pull`);
        if (times > 1) throw new CheckFailed(`${run.id(name)} came back ${times} times from one pull to the end: each document must come once, in (updatedAt, id) order`);
      }
      for (const doc of documents) if (typeof doc['updatedAt'] !== 'number') throw new CheckFailed(`document ${idOf(doc)} has updatedAt ${JSON.stringify(doc['updatedAt'])}, not a number`);
      for (let i = 1; i < documents.length; i++) {
        const [a, b] = [documents[i - 1]!, documents[i]!];
        if (compare(a, b) >= 0) {
          throw new CheckFailed(`${idOf(a)} (updatedAt ${updatedAtOf(a)}) came before ${idOf(b)} (updatedAt ${updatedAtOf(b)}): pull must order by (updatedAt, id), each document once`);
        }
      }
      return `${documents.length} documents from ${names.length} pushes came in (updatedAt, id) order`;
    },
  },
  {
    id: 'pull.checkpoint',
    group: 'pull',
    title: 'checkpoint round trip',
    async run(run) {
      const first = await run.pull('A', run.start.A, 2);
      if (first.documents.length < 2) throw new CheckSkipped('fewer than 2 documents to page through (pull.order wrote none)');
      const latest = [...first.documents].sort(compare).at(-1)!;
      const expected = checkpointOf(latest);
      const got = first.checkpoint as Record<string, unknown> | null;
      if (!got || got['id'] !== expected.id || got['updatedAt'] !== expected.updatedAt) {
        throw new CheckFailed(`a page ending with ${expected.id} came with checkpoint ${clip(JSON.stringify(got))}; expected ${JSON.stringify(expected)} (the last document's)`);
      }
      const next = await run.pull('A', first.checkpoint, 2);
      const seen = new Set(first.documents.map(idOf));
      const again = next.documents.find((doc) => seen.has(idOf(doc)) && compare(doc, latest) <= 0);
      if (again) throw new CheckFailed(`pulling with checkpoint ${JSON.stringify(expected)} returned ${idOf(again)} again: the next page must start strictly after the checkpoint`);
      const before = next.documents.find((doc) => compare(doc, latest) <= 0);
      if (before) throw new CheckFailed(`pulling with checkpoint ${JSON.stringify(expected)} returned ${idOf(before)} (updatedAt ${updatedAtOf(before)}), which is not after it`);
      if (next.documents.length === 0) throw new CheckFailed(`pulling with checkpoint ${JSON.stringify(expected)} returned nothing, though a third document follows it`);
      return `the checkpoint is the page's last { id, updatedAt }, and the next page starts strictly after it`;
    },
  },
  {
    id: 'pull.ties',
    group: 'pull',
    title: 'ties of updatedAt across a page boundary',
    async run(run) {
      const { last: before } = await run.pullToEnd('A', run.start.A);
      const ids = Array.from({ length: TIES }, (_, i) => run.id(`tie-${i}`));
      await run.pushClean('A', ids.map((id, i) => ({ newDocumentState: run.doc(id, 10 + i) })), `${TIES} documents in one batch`);
      const { documents } = await run.pullToEnd('A', before, TIE_PAGE);
      const counts = new Map<string, number>();
      for (const doc of documents) counts.set(idOf(doc), (counts.get(idOf(doc)) ?? 0) + 1);
      const ours = documents.filter((doc) => ids.includes(idOf(doc)));
      const stamps = new Set(ours.map(updatedAtOf));
      const missing = ids.filter((id) => !counts.has(id));
      const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
      if (missing.length > 0) {
        const tie = ours.length > 1 ? ` (the ${ours.length} that did share ${stamps.size} updatedAt value(s))` : '';
        throw new CheckFailed(`${missing.length} of ${TIES} documents written in one batch never came back when pulled in pages of ${TIE_PAGE}${tie}, e.g. ${missing[0]}: ties must be ordered by id and the checkpoint compared as (updatedAt, id)`);
      }
      if (twice.length > 0) throw new CheckFailed(`${twice.length} document(s) came back twice when pulled in pages of ${TIE_PAGE}, e.g. ${twice[0]}`);
      if (stamps.size === ours.length) return `the server gave the ${TIES} documents of one batch distinct updatedAt values, so no tie crossed a page boundary; each came back once`;
      return `${TIES} documents sharing updatedAt, pulled in pages of ${TIE_PAGE}: each came back exactly once`;
    },
  },
  {
    id: 'pull.empty',
    group: 'pull',
    title: 'an empty pull keeps the checkpoint',
    async run(run) {
      const { last, empty } = await run.pullToEnd('A', run.start.A);
      const same = JSON.stringify(empty.checkpoint) === JSON.stringify(last);
      if (!same && empty.checkpoint !== null) {
        throw new CheckFailed(`a pull past the last document returned checkpoint ${clip(JSON.stringify(empty.checkpoint))}; expected the one sent (${clip(JSON.stringify(last))}) or null`);
      }
      return same ? 'a pull past the last document returns no documents and the checkpoint it was sent' : 'a pull past the last document returns no documents and a null checkpoint';
    },
  },
  {
    id: 'pull.unknownCheckpoint',
    group: 'pull',
    title: 'an unknown checkpoint is answered from before it',
    async run(run) {
      const { documents } = await run.pullToEnd('A', run.start.A);
      const newest = [...documents].sort(compare).at(-1);
      if (!newest) throw new CheckSkipped('no documents of this run to place a checkpoint after (pull.order wrote none)');
      // What a client holds after the server was restored from an older backup: a checkpoint of a
      // document the server does not have, later than anything it has.
      const unknown = { id: run.id('never-written'), updatedAt: updatedAtOf(newest) + 1 };
      const answer = await run.pull('A', unknown, 100);
      const first = answer.documents[0];
      const cp = answer.checkpoint as Record<string, unknown> | null;
      // As the client reads it: an older updatedAt (ids within one are in the server's collation). A null
      // checkpoint is no position: healthy servers answer an empty pull with it too (pull.empty).
      const before = first
        ? updatedAtOf(first) < unknown.updatedAt
        : cp !== null && typeof cp['updatedAt'] === 'number' && typeof cp['id'] === 'string' && cp['updatedAt'] < unknown.updatedAt;
      if (!before) {
        const got = first ? `${idOf(first)} (updatedAt ${updatedAtOf(first)}) first` : `no documents and checkpoint ${clip(JSON.stringify(cp))}`;
        throw new CheckFailed(`answered an unknown checkpoint as if it knew it: a server restored from a backup would go unnoticed and clients would not re-push what it lost (a pull with checkpoint ${JSON.stringify(unknown)}, of a document never written, returned ${got}; answer from before it: the first page from the start, or an empty page with checkpoint { id: '', updatedAt: 0 })`);
      }
      return first
        ? `a pull with a checkpoint of a document never written is answered from the start (${idOf(first)} first), before that checkpoint`
        : `a pull with a checkpoint of a document never written is answered with no documents and checkpoint ${clip(JSON.stringify(cp))}, before that checkpoint`;
    },
  },
];

/** push.*: conflicts answered with the master state, an identical re-push applied once, per-document refusals. */
export const pushChecks: CheckSpec[] = [
  {
    id: 'push.conflict',
    group: 'push',
    title: 'a conflict is answered with the master state',
    async run(run) {
      const id = run.id('conflict');
      const v1 = run.doc(id, 1);
      await run.pushClean('A', [{ newDocumentState: v1 }], `new document ${id}`);
      const m1 = (await run.latest('A', [id])).get(id);
      if (!m1) throw new CheckFailed(`document ${id} was written but cannot be pulled`);
      const v2 = run.doc(id, 2);
      await run.pushClean('A', [{ assumedMasterState: m1, newDocumentState: v2 }], `an update of ${id} based on its master state`);
      // Another device, still on v1, edits it.
      const { conflicts, errors } = await run.push('A', [{ assumedMasterState: m1, newDocumentState: run.doc(id, 3) }]);
      if (errors.length > 0) throw new CheckFailed(`a stale push was answered with errors instead of a conflict: ${errorSummary(errors)}`);
      const master = (await run.latest('A', [id])).get(id);
      if (master && !run.sameContent(master, v2)) throw new CheckFailed(`a push based on an outdated state was written: the server now holds ${run.describe(master)}, expected it to keep ${run.describe(v2)}`);
      if (!conflicts || conflicts.length === 0) throw new CheckFailed('a push based on an outdated state was answered with no conflict: the server must return its current document');
      const conflict = conflicts.find((doc) => idOf(doc) === id);
      if (!conflict) throw new CheckFailed(`the conflict answer holds ${conflicts.map(idOf).join(', ')}, not ${id}`);
      if (!run.sameContent(conflict, v2)) throw new CheckFailed(`the conflict answer is ${run.describe(conflict)}, not the server's master state ${run.describe(v2)}`);
      if (typeof conflict['updatedAt'] !== 'number') throw new CheckFailed(`the conflict answer has updatedAt ${JSON.stringify(conflict['updatedAt'])}, not the master's`);
      return 'a push based on an outdated state is not written, and is answered with the server\'s current document';
    },
  },
  {
    id: 'push.idempotent',
    group: 'push',
    title: 'an identical re-push is applied once',
    async run(run) {
      const id = run.id('repush');
      const notes: string[] = [];
      const twice = async (row: Parameters<RunContext['push']>[1][number], what: string, n: number) => {
        await run.pushClean('A', [row], what);
        const first = (await run.latest('A', [id])).get(id);
        if (!first) throw new CheckFailed(`${what} was written but cannot be pulled`);
        const { last: after } = await run.pullToEnd('A', run.start.A);
        const { conflicts, errors } = await run.push('A', [row]);
        if (errors.length > 0) throw new CheckFailed(`the same push sent again (${what}) was answered with errors: ${errorSummary(errors)}`);
        const revisions = (await run.pullToEnd('A', after)).documents.filter((doc) => idOf(doc) === id);
        if (revisions.length > 0) {
          throw new CheckFailed(`the same push sent twice (${what}) was applied twice: a second revision (updatedAt ${updatedAtOf(first)} → ${updatedAtOf(revisions.at(-1)!)})`);
        }
        const conflict = conflicts?.find((doc) => idOf(doc) === id);
        if (conflict && !run.sameContent(conflict, run.doc(id, n))) throw new CheckFailed(`the same push sent again (${what}) got a conflict with other content: ${run.describe(conflict)}`);
        if (conflict) notes.push(`the repeat of ${what} was answered with a conflict equal to the pushed state (the client resolves it without a change)`);
      };
      await twice({ newDocumentState: run.doc(id, 1) }, 'a new document', 1);
      const m1 = (await run.latest('A', [id])).get(id)!;
      await twice({ assumedMasterState: m1, newDocumentState: run.doc(id, 2) }, 'an update', 2);
      return notes.length > 0 ? `applied once; ${notes.join('; ')}` : 'a new document and an update, each pushed twice, were applied once with no conflict';
    },
  },
  {
    id: 'push.refusal',
    group: 'push',
    title: 'a document refused alone, with extensions { code, documentId }',
    async run(run) {
      const good = run.id('refusal-ok');
      // A lone UTF-16 surrogate (what `slice` leaves of a cut emoji): PostgreSQL cannot store it.
      const bad = run.id('refusal-\ud83d');
      const { conflicts, errors, answer } = await run.push('A', [{ newDocumentState: run.doc(good, 1) }, { newDocumentState: run.doc(bad, 2) }]);
      if (errors.length === 0) {
        if (conflicts && conflicts.length === 0) throw new CheckSkipped('the server stored an id holding a lone UTF-16 surrogate, so no refusal could be provoked');
        throw new CheckFailed(`a batch with one unstorable id was answered with ${clip(answer.text)}`);
      }
      if (conflicts === null) {
        throw new CheckFailed(`one document's content failed the whole batch (data is null: ${errorSummary(errors)}): refuse it alone with extensions { code, documentId } and write the others`);
      }
      const refusal = errors.find((e) => e.extensions?.['documentId'] !== undefined);
      if (!refusal) throw new CheckFailed(`the refusal carries no extensions.documentId (${errorSummary(errors)}): the client cannot tell which document was refused`);
      if (refusal.extensions?.['documentId'] !== bad) throw new CheckFailed(`extensions.documentId is ${clip(JSON.stringify(refusal.extensions?.['documentId']))}, not the id exactly as sent (${JSON.stringify(bad)})`);
      if (typeof refusal.extensions?.['code'] !== 'string') throw new CheckFailed('the refusal carries no extensions.code');
      if (!(await run.latest('A', [good])).has(good)) throw new CheckFailed(`the other document of the batch (${good}) was not written`);
      return `refused with ${String(refusal.extensions['code'])} and the id as sent; the other document of the batch was written`;
    },
  },
];

/** ownership.*: user B can neither read nor overwrite user A's document (ids belong to their user). */
export const ownershipChecks: CheckSpec[] = [
  {
    id: 'ownership.read',
    group: 'ownership',
    title: "another user cannot pull a user's document",
    needs: ['userB'],
    async run(run) {
      const id = run.id('owned');
      await run.pushClean('A', [{ newDocumentState: run.doc(id, 1) }], `user A's document ${id}`);
      const seen = (await run.pullToEnd('B', null)).documents.filter((doc) => idOf(doc).startsWith(run.idPrefix));
      if (seen.length > 0) throw new CheckFailed(`user B pulled ${seen.length} of user A's documents, e.g. ${idOf(seen[0]!)}`);
      return "user B's pull from the start holds none of user A's documents";
    },
  },
  {
    id: 'ownership.write',
    group: 'ownership',
    title: "another user cannot overwrite a user's document",
    needs: ['userB'],
    async run(run) {
      const id = run.id('owned');
      const a = run.doc(id, 1);
      if (!(await run.latest('A', [id])).has(id)) await run.pushClean('A', [{ newDocumentState: a }], `user A's document ${id}`);
      const b = run.doc(id, 2);
      const { conflicts, errors } = await run.push('B', [{ newDocumentState: b }]);
      const leaked = conflicts?.find((doc) => idOf(doc) === id && run.sameContent(doc, a));
      if (leaked) throw new CheckFailed(`user B's push of id ${id} was answered with user A's document as a conflict: ids must belong to their user`);
      const stillA = (await run.latest('A', [id])).get(id);
      if (!stillA || !run.sameContent(stillA, a)) throw new CheckFailed(`user B's push overwrote user A's document ${id}: A now pulls ${run.describe(stillA)}`);
      if (errors.length > 0) throw new CheckFailed(`user B's push of an id user A also uses was refused (${errorSummary(errors)}): each user has their own ids`);
      if (conflicts && conflicts.length > 0) throw new CheckFailed(`user B's push of an id user A also uses was answered with a conflict: ${run.describe(conflicts[0])}`);
      const ownB = (await run.latest('B', [id], null)).get(id);
      if (!ownB || !run.sameContent(ownB, b)) throw new CheckFailed(`user B's own document ${id} was not stored: B pulls ${run.describe(ownB)}`);
      return "user B's document with the same id is B's own; user A's is untouched";
    },
  },
];
