import type { IncomingMessage, ServerResponse } from 'node:http';

/** Handles one matched request; `params` holds the `:name` segments of the pattern. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => Promise<void>;

interface Route { method: string; segments: string[]; handler: RouteHandler }

/**
 * A tiny method + path router with `:name` segments.
 *
 * @example
 * const router = new Router().on('GET', '/app/:appId/location', handler);
 * const match = router.match('GET', '/app/demo/location'); // { handler, params: { appId: 'demo' } }
 */
export class Router {
  #routes: Route[] = [];

  on(method: string, pattern: string, handler: RouteHandler): this {
    this.#routes.push({ method, segments: pattern.split('/'), handler });
    return this;
  }

  /** The handler for this request, `'method'` when only the method is wrong, or null. */
  match(method: string, path: string): { handler: RouteHandler; params: Record<string, string> } | 'method' | null {
    const parts = path.split('/');
    let pathMatched = false;
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method) return { handler: route.handler, params };
      pathMatched = true;
    }
    return pathMatched ? 'method' : null;
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (const [i, segment] of pattern.entries()) {
    const part = parts[i] ?? '';
    if (segment.startsWith(':')) {
      if (part === '') return null;
      try {
        params[segment.slice(1)] = decodeURIComponent(part);
      } catch {
        return null; // a malformed %-escape matches nothing
      }
    } else if (segment !== part) return null;
  }
  return params;
}
