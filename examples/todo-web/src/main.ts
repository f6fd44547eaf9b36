// The todo-web example: a session-sync client as a browser app builds one. The session lives in
// IndexedDB (shared by the app's tabs), each user's todos in RxDB's Dexie storage; one tab replicates
// and every tab writes. Everything the user sees comes from `client.status$`, the collection's
// queries and `onReloginRequired`.
import { createBrowserInspector } from '@statelyai/inspect';
import type { RxDocument } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import type { Subscription } from 'rxjs';
import {
  appServicesAuth,
  createSyncClient,
  indexedDbSessionStore,
  isSessionError,
  type ReloginInfo,
  type SessionStatus,
} from 'session-sync';
import { newTodoId, todoSchema, type Todo } from './todo-schema.ts';

const serverUrl: string = import.meta.env.VITE_SYNC_SERVER_URL ?? 'http://127.0.0.1:4000';
const appId = 'session-sync';
const authUrl = `${serverUrl}/api/client/v2.0`;
const DEVTOOLS_KEY = 'todo-web.devtools';
const USERNAME_KEY = 'todo-web.username';

const $ = <T extends HTMLElement = HTMLElement>(selector: string): T => {
  const element = document.querySelector<T>(selector);
  if (!element) throw new Error(`missing ${selector}`);
  return element;
};

// Devtools: the inspector must be passed when the client is created (it then sees the actor's first
// event), so the toggle reloads the page with it on or off.
const devtools = localStorage.getItem(DEVTOOLS_KEY) === 'on';
const inspector = devtools ? createBrowserInspector({ iframe: $<HTMLIFrameElement>('#inspector-frame') }) : undefined;

const client = createSyncClient({
  auth: appServicesAuth({ baseUrl: authUrl, appId }),
  graphql: { url: `${serverUrl}/graphql`, wsUrl: `${serverUrl.replace(/^http/, 'ws')}/graphql` },
  sessionStore: indexedDbSessionStore(),
  storage: getRxStorageDexie(),
  databaseName: 'todo-web',
  collections: { todo: { schema: todoSchema } },
  onReloginRequired: (info) => openRelogin(info),
  ...(inspector ? { inspect: inspector.inspect } : {}),
});

// ——— status badge ———

/** What the badge says, most important first. */
function badgeOf(s: SessionStatus): { badge: string; text: string } {
  if (s.session === 'restoring') return { badge: 'restoring', text: 'restoring…' };
  if (s.session === 'loggedOut') return { badge: 'logged-out', text: 'logged out' };
  if (s.session === 'loggingIn') return { badge: 'logging-in', text: 'logging in…' };
  if (s.session === 'loggingOut') return { badge: 'logging-out', text: 'logging out…' };
  if (s.session === 'refreshExpired') return { badge: 'relogin-required', text: 'relogin required' };
  if (s.sync === 'offline') return { badge: 'offline', text: 'offline' };
  if (s.sync === 'error' || s.sync === 'stalled') return { badge: 'error', text: `sync ${s.sync}` };
  if (s.session === 'refreshing') return { badge: 'refreshing', text: 'refreshing' };
  return { badge: 'active', text: 'active' };
}

function renderStatus(s: SessionStatus): void {
  const status = $('#status');
  const { badge, text } = badgeOf(s);
  Object.assign(status.dataset, { badge, session: s.session, sync: s.sync, pending: String(s.pendingWrites), tab: s.syncTab ?? '' });
  $('#status-state').textContent = text;
  $('#status-state').title = s.syncError ? `${s.syncError.code}: ${s.syncError.message}` : '';
  const signedIn = s.userId !== null && s.session !== 'loggedOut' && s.session !== 'restoring';
  const pending = $('#status-pending');
  pending.hidden = !signedIn;
  pending.textContent = `${s.pendingWrites} pending`;
  const lastSynced = Math.max(s.lastPulledAt ?? 0, s.lastPushedAt ?? 0);
  const synced = $('#status-synced');
  synced.hidden = !signedIn || lastSynced === 0;
  synced.textContent = `last synced ${new Date(lastSynced).toLocaleTimeString()}`;
  const tab = $('#status-tab');
  tab.hidden = !signedIn || s.syncTab === null;
  tab.textContent = s.syncTab === 'leader' ? 'this tab syncs' : s.syncTab === 'follower' ? 'another tab syncs' : 'no tab syncs';

  $('#restoring').hidden = s.session !== 'restoring';
  $('#login-form').hidden = s.session !== 'loggedOut' && !(s.session === 'loggingIn' && s.userId === null);
  $('#todos').hidden = !signedIn;
  $('#logout').hidden = !signedIn;
  $('#who').hidden = !signedIn;
  $('#who').textContent = localStorage.getItem(USERNAME_KEY) ?? '';
  updateRelogin(s);
}

// ——— the todo list of the signed-in user ———

let list: Subscription | undefined;
let listUser: string | null = null;

/** Follows the signed-in user's todos; another user (or none) gets their own list. */
async function followTodos(userId: string | null): Promise<void> {
  if (userId === listUser) return;
  listUser = userId;
  list?.unsubscribe();
  list = undefined;
  renderTodos([]);
  if (userId === null) return;
  const collections = await client.ready().catch(() => null);
  if (collections === null || listUser !== userId) return;
  list = collections.todo.find({ sort: [{ id: 'asc' }] }).$.subscribe((docs) => renderTodos(docs));
}

function renderTodos(docs: RxDocument<Todo>[]): void {
  const ul = $('#todo-list');
  ul.replaceChildren(
    ...docs.map((doc) => {
      const li = document.createElement('li');
      li.dataset['id'] = doc.id;
      li.classList.toggle('done', doc.done);
      const done = document.createElement('input');
      done.type = 'checkbox';
      done.checked = doc.done;
      done.ariaLabel = `done: ${doc.title}`;
      done.addEventListener('change', () => void doc.incrementalPatch({ done: done.checked }));
      const title = document.createElement('span');
      title.className = 'title';
      title.textContent = doc.title;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = 'delete';
      remove.ariaLabel = `delete ${doc.title}`;
      remove.addEventListener('click', () => void doc.incrementalRemove());
      li.append(done, title, remove);
      return li;
    }),
  );
  $('#empty').hidden = docs.length > 0;
}

$('#add-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $<HTMLInputElement>('#new-title');
  const title = input.value.trim();
  if (!title) return;
  input.value = '';
  // Saved on this device at once (offline too); the replication pushes it when it can.
  void client.collections.todo.insert({ id: newTodoId(), title, done: false });
});

// ——— login, registration, logout ———

const loginForm = $<HTMLFormElement>('#login-form');
const remembered = localStorage.getItem(USERNAME_KEY);
if (remembered) (loginForm.elements.namedItem('username') as HTMLInputElement).value = remembered;

/** Logs in; resolves with an error message for the form, or null. */
async function logIn(username: string, password: string): Promise<string | null> {
  try {
    await client.login({ username, password });
    localStorage.setItem(USERNAME_KEY, username);
    return null;
  } catch (error) {
    if (isSessionError(error, 'CREDENTIALS_REJECTED')) return 'Wrong email or password.';
    if (isSessionError(error, 'NETWORK')) return 'The server cannot be reached. Try again when you are online.';
    return error instanceof Error ? error.message : String(error);
  }
}

function showError(selector: string, message: string | null): void {
  const element = $(selector);
  element.hidden = message === null;
  element.textContent = message ?? '';
}

loginForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(loginForm);
  showError('#login-error', null);
  void logIn(String(data.get('username')), String(data.get('password'))).then((error) => showError('#login-error', error));
});

$('#register').addEventListener('click', () => {
  if (!loginForm.reportValidity()) return;
  const data = new FormData(loginForm);
  const username = String(data.get('username'));
  const password = String(data.get('password'));
  showError('#login-error', null);
  // The reference server's App Services–style registration route; then an ordinary login.
  void fetch(`${authUrl}/app/${appId}/auth/providers/local-userpass/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: username, password }),
  })
    .then(async (response) => {
      if (!response.ok) return `Registration refused (${response.status}): ${((await response.json()) as { error?: string }).error ?? ''}`;
      return logIn(username, password);
    }, () => 'The server cannot be reached.')
    .then((error) => showError('#login-error', error));
});

$('#logout').addEventListener('click', () => {
  // Pushes what it can for up to 3 s; whatever stays local waits for this user's next login.
  void client.logout({ flushTimeoutMs: 3_000 });
});

// ——— the relogin dialog, opened by onReloginRequired ———

const relogin = $<HTMLDialogElement>('#relogin');
const reloginForm = $<HTMLFormElement>('#relogin-form');
const REASONS: Record<ReloginInfo['reason'], string> = {
  refreshExpired: 'Your session has expired.',
  refreshRejected: 'Your session has ended (it was revoked or replaced).',
  accessRejectedAfterRefresh: 'The server keeps refusing this session.',
};

function openRelogin(info: ReloginInfo): void {
  $('#relogin-reason').textContent = REASONS[info.reason];
  (reloginForm.elements.namedItem('username') as HTMLInputElement).value = localStorage.getItem(USERNAME_KEY) ?? '';
  showError('#relogin-error', null);
  updateRelogin(client.status);
  if (!relogin.open) relogin.showModal();
}

/** Keeps the dialog's count current; closes it once the session is active again (also by another tab's relogin). */
function updateRelogin(s: SessionStatus): void {
  const n = s.pendingWrites;
  $('#relogin-pending').textContent =
    n === 0 ? 'Nothing is waiting to sync.' : `${n} ${n === 1 ? 'change waits' : 'changes wait'} on this device; ${n === 1 ? 'it syncs' : 'they sync'} after you log in.`;
  if (relogin.open && s.session !== 'refreshExpired' && s.session !== 'loggingIn') relogin.close();
}

reloginForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(reloginForm);
  showError('#relogin-error', null);
  void logIn(String(data.get('username')), String(data.get('password'))).then((error) => {
    showError('#relogin-error', error);
    if (error === null) {
      reloginForm.reset();
      relogin.close();
    }
  });
});
$('#relogin-later').addEventListener('click', () => relogin.close());
// The badge reopens it while a relogin is required.
$('#status-state').addEventListener('click', () => {
  if (client.status.session !== 'refreshExpired' || client.status.userId === null) return;
  openRelogin({ userId: client.status.userId, reason: client.status.reloginReason ?? 'refreshExpired', lastError: client.status.lastError, pendingWrites: {} });
});

// ——— devtools ———

const toggle = $<HTMLInputElement>('#devtools-toggle');
toggle.checked = devtools;
$('#devtools-panel').hidden = !devtools;
toggle.addEventListener('change', () => {
  localStorage.setItem(DEVTOOLS_KEY, toggle.checked ? 'on' : 'off');
  location.reload();
});

// ——— start ———

client.status$.subscribe((s) => {
  renderStatus(s);
  void followTodos(s.session === 'loggedOut' || s.session === 'restoring' ? null : s.userId);
});
void client.start();
