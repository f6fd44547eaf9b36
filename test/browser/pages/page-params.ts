// What a test page needs to know, from its query string: where the reference server is.

/** The reference server's endpoints and the page's tuning, as the test passed them. */
export interface PageParams {
  authUrl: string;
  appId: string;
  graphqlUrl: string;
  wsUrl: string;
  /** The clock-jump watcher's tick; a test that wants only events to wake the page makes it long. */
  checkIntervalMs: number;
}

/**
 * Reads the page's query string.
 *
 * @example
 * const { authUrl, appId } = pageParams(location.search);
 */
export function pageParams(search: string): PageParams {
  const params = new URLSearchParams(search);
  const need = (name: string): string => {
    const value = params.get(name);
    if (value === null) throw new Error(`page parameter ${name} is missing`);
    return value;
  };
  return {
    authUrl: need('authUrl'),
    appId: need('appId'),
    graphqlUrl: need('graphqlUrl'),
    wsUrl: need('wsUrl'),
    checkIntervalMs: Number(params.get('checkIntervalMs') ?? 10_000),
  };
}

/**
 * The query string for `pageParams`.
 *
 * @example
 * await page.goto(`${pages.url('session-page')}?${pageQuery({ authUrl, appId, graphqlUrl, wsUrl })}`);
 */
export function pageQuery(params: Omit<PageParams, 'checkIntervalMs'> & { checkIntervalMs?: number }): string {
  const entries = Object.entries(params).map(([k, v]) => [k, String(v)]);
  return new URLSearchParams(entries).toString();
}
