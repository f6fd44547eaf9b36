// A page that only signs in: the session client with localStorage, no sync.
import { pageParams } from './page-params.ts';
import { createSessionDriver, type SessionDriver } from './session-driver.ts';

declare global {
  interface Window {
    /** Set by every test page once its client exists. */
    app: SessionDriver;
  }
}

window.app = createSessionDriver(pageParams(location.search)).driver;
