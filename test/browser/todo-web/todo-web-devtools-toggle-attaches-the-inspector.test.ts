import { describe, expect, it } from 'vitest';
import { logIn, untilBadge, useTodoWeb } from './support/todo-web-scenario.ts';

// The devtools toggle reloads the app with createBrowserInspector attached from the client's first
// event, in a panel that loads Stately's inspector. That page needs internet; here a stand-in answers
// for https://stately.ai/inspect: it says "connected" as the real one does and keeps what it receives.
const STAND_IN = `<!doctype html><meta charset="utf-8"><title>inspector stand-in</title><script>
  window.received = [];
  addEventListener('message', (e) => { if (typeof e.data?.type === 'string') window.received.push(e.data); });
  addEventListener('load', () => setTimeout(() => parent.postMessage({ type: '@statelyai.connected' }, '*'), 0));
</script>`;

describe('todo-web: the devtools toggle', () => {
  const app = useTodoWeb();

  it('attaches the browser inspector, which sees the session statechart and no token', async () => {
    const { user } = app;
    const { context, page } = await app.openApp();
    await context.route('https://stately.ai/**', (route) => route.fulfill({ contentType: 'text/html', body: STAND_IN }));
    await logIn(page, user);

    await Promise.all([page.waitForEvent('load'), page.check('#devtools-toggle')]);
    await page.waitForSelector('#devtools-panel:not([hidden])');
    await untilBadge(page, (b) => b.session === 'active', 'restored after the reload');
    expect(await page.getAttribute('#inspector-frame', 'src')).toBe('https://stately.ai/inspect');

    const inspector = () => page.frames().find((f) => f.url().startsWith('https://stately.ai/'));
    await expect.poll(() => inspector()?.evaluate(() => (window as unknown as { received: { type: string; name?: string }[] }).received
      .filter((e) => e.type === '@xstate.actor').map((e) => e.name)) ?? [], { timeout: 15_000 }).toContain('session');
    const received = JSON.stringify(await inspector()?.evaluate(() => (window as unknown as { received: unknown[] }).received));
    expect(received).toContain('"@xstate.snapshot"');
    // No JWT (header.payload…, both base64 JSON) and no password in anything the inspector got.
    expect(received).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(received).not.toContain(user.password);
    await app.screenshot(page, 'devtools-1-inspector-attached');

    await Promise.all([page.waitForEvent('load'), page.uncheck('#devtools-toggle')]);
    await untilBadge(page, (b) => b.session === 'active', 'restored after the reload');
    expect(await page.isVisible('#devtools-panel')).toBe(false);
  }, 60_000);
});
