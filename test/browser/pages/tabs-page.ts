// A page that is one of several tabs on one IndexedDB session (localStorage is not consistent across
// tabs): the session driver plus what a cross-tab test compares (the token each tab would send) and a logout.
import { indexedDbSessionStore } from '../../../src/index.ts';
import { pageParams } from './page-params.ts';
import { createSessionDriver, type SessionDriver } from './session-driver.ts';

/** `window.tab` on this page. */
export interface TabDriver {
  /** The access token this tab would send now (the test compares tabs; it never logs it). */
  token(): Promise<string>;
  logout(): Promise<void>;
  /** A forced refresh in this tab (Realm's refreshCustomData). */
  refresh(): Promise<void>;
}

declare global {
  interface Window {
    app: SessionDriver;
    tab: TabDriver;
  }
}

const { client, driver } = createSessionDriver(pageParams(location.search), { sessionStore: indexedDbSessionStore() });
window.tab = {
  token: () => client.getValidAccessToken(),
  logout: async () => {
    await client.logout();
  },
  refresh: async () => {
    await client.refreshCustomData();
  },
};
window.app = driver;
