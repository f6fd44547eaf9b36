import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, execute, parse, subscribe, validate } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { bulkStream } from '../../../examples/server/graphql/bulk-stream.ts';

// A second, differently shaped GraphQL server: RxDB's own example convention, with push rows
// named `heroPushRow` and the stream taking credentials as an argument instead of connectionParams.
const SDL = `
type Hero { id: String! name: String color: String! updatedAt: Float! deleted: Boolean! }
input HeroInput { id: String! name: String color: String! updatedAt: Float deleted: Boolean! }
input HeroInputCheckpoint { id: String! updatedAt: Float! }
type HeroCheckpoint { id: String! updatedAt: Float! }
type HeroPullBulk { documents: [Hero]! checkpoint: HeroCheckpoint! }
input HeroInputPushRow { assumedMasterState: HeroInput newDocumentState: HeroInput! }
input HeroInputHeaders { Authorization: String! }
type Query { pullHero(checkpoint: HeroInputCheckpoint, limit: Int!): HeroPullBulk! }
type Mutation { pushHero(heroPushRow: [HeroInputPushRow]): [Hero!]! }
type Subscription { streamHero(headers: HeroInputHeaders): HeroPullBulk! }
`;

interface Hero { id: string; name?: string | null; color: string; updatedAt: number; deleted: boolean }

export interface HeroServer {
  url: string;
  wsUrl: string;
  heroes(): Hero[];
  close(): Promise<void>;
}

/** Starts the hero server on 127.0.0.1; every request must carry `Bearer <token>`. */
export async function startHeroServer(token: string): Promise<HeroServer> {
  const schema = buildSchema(SDL);
  const store = new Map<string, Hero>();
  const listeners = new Set<(bulk: { documents: Hero[]; checkpoint: { id: string; updatedAt: number } }) => void>();
  let clock = 0;
  const expected = `Bearer ${token}`;
  const sorted = (): Hero[] => [...store.values()].sort((a, b) => a.updatedAt - b.updatedAt || a.id.localeCompare(b.id));

  const root = {
    pullHero({ checkpoint, limit }: { checkpoint?: { id: string; updatedAt: number } | null; limit: number }) {
      const after = checkpoint ?? { id: '', updatedAt: -1 };
      const documents = sorted()
        .filter((h) => h.updatedAt > after.updatedAt || (h.updatedAt === after.updatedAt && h.id > after.id))
        .slice(0, limit);
      const last = documents.at(-1);
      return { documents, checkpoint: last ? { id: last.id, updatedAt: last.updatedAt } : { id: after.id, updatedAt: Math.max(after.updatedAt, 0) } };
    },
    pushHero({ heroPushRow }: { heroPushRow: { assumedMasterState?: Hero | null; newDocumentState: Hero }[] }) {
      const conflicts: Hero[] = [];
      const written: Hero[] = [];
      for (const row of heroPushRow) {
        const master = store.get(row.newDocumentState.id);
        if (master && row.assumedMasterState?.updatedAt !== master.updatedAt) {
          conflicts.push(master);
          continue;
        }
        const hero = { ...row.newDocumentState, updatedAt: ++clock };
        store.set(hero.id, hero);
        written.push(hero);
      }
      const last = written.at(-1);
      if (last) for (const listener of listeners) listener({ documents: written, checkpoint: { id: last.id, updatedAt: last.updatedAt } });
      return conflicts;
    },
    streamHero({ headers }: { headers?: { Authorization?: string } | null }) {
      if (headers?.Authorization !== expected) throw new Error('not authenticated');
      return bulkStream((push) => {
        const listener = (bulk: unknown): void => push({ streamHero: bulk });
        listeners.add(listener);
        return () => listeners.delete(listener);
      });
    },
  };

  const http = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    // Like RxDB's example server: a bad token is a 500 with a message and no code.
    if (req.headers.authorization !== expected) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: 'not authenticated' }], data: null }));
      return;
    }
    const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const result = await execute({ schema, document: parse(query), rootValue: root, variableValues: variables });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  });
  const wss = new WebSocketServer({ server: http, path: '/subscriptions' });
  // Our own graphql functions: the test runner may load a second copy of graphql for graphql-ws.
  const ws = useServer({ schema, parse, validate, execute, subscribe, roots: { subscription: root } }, wss);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/subscriptions`,
    heroes: () => sorted(),
    async close() {
      await ws.dispose();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
