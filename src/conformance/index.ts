// The server conformance check: `session-sync/conformance` (and `npx session-sync-check`).
export { appServicesLogin, type AppServicesLoginOptions } from './app-services-login.ts';
export { checkServer, TODO_FIELDS } from './check-server.ts';
export { formatReport } from './report.ts';
export type {
  CheckGroup,
  CheckResult,
  CheckServerOptions,
  CheckStatus,
  ConformanceFieldKind,
  ConformanceReport,
  TokenProvider,
} from './types.ts';
