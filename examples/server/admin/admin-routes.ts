import { AuthError } from '../auth/auth-error.ts';
import type { AuthService } from '../auth/auth-service.ts';
import { MAX_CUSTOM_DATA_BYTES } from '../auth/custom-data.ts';
import { requestBearerToken } from '../http/bearer-token.ts';
import { readJsonBody } from '../http/read-json-body.ts';
import type { RouteHandler, Router } from '../http/router.ts';
import { sendJson } from '../http/send-json.ts';
import { adminKeyMatches } from './admin-key.ts';

export const ADMIN_BASE = '/api/admin/v1';

/** What the admin routes need from the server. */
export interface AdminRoutesDeps {
  auth: AuthService;
  /** The operator's key; undefined turns the admin API off. */
  adminKey: string | undefined;
}

// Room for custom data at its limit, pretty-printed: anything larger is refused before it is parsed.
const MAX_ADMIN_BODY_BYTES = MAX_CUSTOM_DATA_BYTES * 4;

/**
 * Registers the operator's HTTP API, guarded by `Authorization: Bearer <admin key>`:
 * `PUT /api/admin/v1/users/{userId}/custom-data` replaces a user's custom data (a JSON object, at most
 * 4 KiB), seen in the `user_data` of access tokens issued from then on, that is after the client's next
 * refresh (`refreshCustomData()` in realm-web and in session-sync); `GET` on the same path reads it.
 * App Services kept custom data in a MongoDB collection the operator wrote to; this is the
 * self-hosted equivalent.
 *
 * Answers: 204 / 200 with `{ user_id, custom_data }`; 401 `Unauthorized` for a missing or wrong key;
 * 404 `UserNotFound`; 400 `BadRequest` for data that is not an object, too large or not storable;
 * 413 for a body over 16 KiB. Without an admin key every admin path answers 404 `NotFound`, saying how
 * to turn the API on: a server started from code has no admin API unless it is given a key.
 *
 * @example
 * addAdminRoutes(router, { auth, adminKey: process.env.ADMIN_KEY });
 * // curl -X PUT http://127.0.0.1:4000/api/admin/v1/users/<userId>/custom-data \
 * //   -H "authorization: Bearer $ADMIN_KEY" -H 'content-type: application/json' -d '{"plan":"pro"}'
 */
export function addAdminRoutes(router: Router, deps: AdminRoutesDeps): void {
  const { auth, adminKey } = deps;
  const path = `${ADMIN_BASE}/users/:userId/custom-data`;
  const guard = (handler: RouteHandler): RouteHandler => async (req, res, params) => {
    if (adminKey === undefined) {
      return sendJson(res, 404, { error: 'the admin API is off: start the server with an admin key (ADMIN_KEY, or the adminKey option)', error_code: 'NotFound' });
    }
    // Checked before the body is read: a caller without the key costs one hash.
    if (!adminKeyMatches(requestBearerToken(req) ?? '', adminKey)) {
      return sendJson(res, 401, { error: 'invalid admin key: send Authorization: Bearer <admin key>', error_code: 'Unauthorized' }, { 'www-authenticate': 'Bearer' });
    }
    try {
      await handler(req, res, params);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      sendJson(res, error.status, { error: error.message, error_code: error.errorCode });
    }
  };

  router.on('PUT', path, guard(async (req, res, params) => {
    const data = await readJsonBody(req, MAX_ADMIN_BODY_BYTES);
    await auth.setCustomData(params.userId!, data as Record<string, unknown>);
    sendJson(res, 204);
  }));

  router.on('GET', path, guard(async (_req, res, params) => {
    sendJson(res, 200, { user_id: params.userId, custom_data: await auth.customData(params.userId!) });
  }));
}
