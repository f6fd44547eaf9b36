import { describe, expect, it } from 'vitest';
import { tabsShareStorage } from '../../src/platform/tabs-share-storage.ts';

// RxDB's multiInstance (leader election across tabs) is on by default only where tabs can share a
// database: BroadcastChannel and Web Locks present, and not a Node process (whose fallback is a
// ~400 ms file-based election plus process unload handlers).
describe('tabsShareStorage, the default of sync.multiInstance', () => {
  const locks = { request: () => Promise.resolve() };
  class Channel {}

  it('is false in this Node process', () => {
    expect(tabsShareStorage()).toBe(false);
  });

  it.each([
    ['a browser tab', { BroadcastChannel: Channel, navigator: { locks }, document: {} }, true],
    ['a browser worker (no document, no Node)', { BroadcastChannel: Channel, navigator: { locks } }, true],
    ['an Electron renderer (Node with a document)', { BroadcastChannel: Channel, navigator: { locks }, document: {}, process: { versions: { node: '22.0.0' } } }, true],
    ['Node with Web Locks', { BroadcastChannel: Channel, navigator: { locks }, process: { versions: { node: '24.5.0' } } }, false],
    ['no Web Locks', { BroadcastChannel: Channel, navigator: {}, document: {} }, false],
    ['no BroadcastChannel', { navigator: { locks }, document: {} }, false],
    ['no navigator', { BroadcastChannel: Channel, document: {} }, false],
  ])('%s → %s', (_, env, expected) => {
    expect(tabsShareStorage(env)).toBe(expected);
  });
});
