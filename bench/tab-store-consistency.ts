/**
 * Why several tabs need indexedDbSessionStore: two tabs of one origin in Debian's Chromium take turns on
 * a Web Lock. Tab B, holding the lock, writes a new value and releases it; tab A, waiting for the lock,
 * reads the value as soon as it has it (what a refresh does with the stored tokens). Counts the reads
 * that still saw the old value, for localStorage and for IndexedDB (write committed before release).
 * Run: npx tsx bench/tab-store-consistency.ts [rounds]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Page } from 'playwright-core';

const ROUNDS = Number(process.argv[2] ?? 200);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`rounds must be a positive integer, got ${process.argv[2]}`);

// The page's two stores: a localStorage key, and one IndexedDB record written in a committed transaction.
const PAGE = `<!doctype html><script>
const db = new Promise((resolve, reject) => {
  const open = indexedDB.open('bench', 1);
  open.onupgradeneeded = () => open.result.createObjectStore('kv');
  open.onsuccess = () => resolve(open.result);
  open.onerror = () => reject(open.error);
});
const tx = async (mode, work) => {
  const t = (await db).transaction('kv', mode);
  const request = work(t.objectStore('kv'));
  return new Promise((resolve, reject) => { t.oncomplete = () => resolve(request.result); t.onerror = () => reject(t.error); });
};
window.stores = {
  localStorage: { write: async (v) => localStorage.setItem('k', v), read: async () => localStorage.getItem('k') },
  indexedDB: { write: (v) => tx('readwrite', (s) => s.put(v, 'k')), read: () => tx('readonly', (s) => s.get('k')) },
};
</script>`;

type StoreName = 'localStorage' | 'indexedDB';
declare global {
  interface Window {
    stores: Record<StoreName, { write(v: string): Promise<void>; read(): Promise<string | null> }>;
  }
}

async function staleReads(a: Page, b: Page, store: StoreName): Promise<number> {
  let stale = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const value = `${store}-${round}`;
    const writer = b.evaluate(
      ([name, v]) => navigator.locks.request('bench', async () => {
        await new Promise((resolve) => setTimeout(resolve, 20)); // the refresh request
        await window.stores[name].write(v);
      }),
      [store, value] as const,
    );
    await new Promise((resolve) => setTimeout(resolve, 5)); // A asks while B holds the lock
    const reader = a.evaluate((name) => navigator.locks.request('bench', () => window.stores[name].read()), store);
    const [, seen] = await Promise.all([writer, reader]);
    if (seen !== value) stale += 1;
  }
  return stale;
}

const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true });
try {
  const context = await browser.newContext();
  const [a, b] = await Promise.all([context.newPage(), context.newPage()]);
  await Promise.all([a.goto(url), b.goto(url)]);
  for (const store of ['localStorage', 'indexedDB'] as const) {
    const stale = await staleReads(a, b, store);
    console.log(`${store.padEnd(12)} stale reads after the lock handoff: ${stale} of ${ROUNDS}`);
  }
} finally {
  await browser.close();
  server.close();
}
