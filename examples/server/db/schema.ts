import type { Db, Queryable } from './db.ts';

/** Arbitrary constant key: serialises schema creation when several servers start on one database. */
const SCHEMA_LOCK = 741_852_963;

const STATEMENTS = [
  `create table if not exists users (
     id text primary key,
     username text not null unique,
     password_hash text not null,
     custom_data jsonb not null default '{}'::jsonb,
     created_at double precision not null)`,
  // One row per login; refresh tokens name their row (sid) and the current token id (jti).
  `create table if not exists sessions (
     id text primary key,
     user_id text not null references users(id),
     device_id text not null,
     refresh_jti text not null,
     expires_at double precision not null,
     revoked_at double precision)`,
  `create index if not exists sessions_by_user on sessions (user_id)`,
  // The token-signing key lives in the database so restarts and sibling processes verify the same tokens.
  `create table if not exists signing_keys (
     kid text primary key,
     private_jwk jsonb not null,
     created_at double precision not null)`,
  // Ids are namespaced per owner: each user has their own, and no user can see or block another's.
  // Byte-order collation: pull order (updatedAt, id) must not depend on the server's locale.
  `create table if not exists documents (
     collection text not null,
     id text collate "C" not null,
     owner text not null,
     data jsonb not null,
     updated_at double precision not null,
     deleted boolean not null,
     primary key (owner, collection, id))`,
  `create index if not exists documents_feed on documents (owner, collection, updated_at, id)`,
  // Logins look names up case-insensitively, so rows stored before names were lower-cased are found.
  // Not unique: an old database may hold both spellings, and refusing to start over it helps nobody.
  `create index if not exists users_by_lower_username on users (lower(username))`,
  // Accounts from before confirmation existed were usable, so they start confirmed; new rows say so explicitly.
  `alter table users add column if not exists confirmed boolean not null default true`,
  // One row per confirmation or password-reset link: only a hash of its secret, used once, expiring.
  `create table if not exists account_tokens (
     id text primary key,
     user_id text not null references users(id),
     kind text not null,
     token_hash text not null,
     expires_at double precision not null,
     used_at double precision)`,
  `create index if not exists account_tokens_by_user on account_tokens (user_id, kind)`,
];

/**
 * Creates the tables if they are missing and upgrades those of an earlier version (idempotent, safe
 * with concurrent starters).
 *
 * @example
 * await createSchema(db);
 */
export async function createSchema(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    for (const sql of STATEMENTS) await tx.query(sql);
    await keyDocumentsByOwner(tx);
  });
}

const DOCUMENTS_KEY = 'owner,collection,id';

/**
 * Upgrades a documents table of the previous version, keyed (collection, id), in place. Old keys are
 * unique per collection, so they are unique per owner too and the new key always fits the rows.
 * Runs under the schema lock; once the key is in place it is a no-op.
 */
async function keyDocumentsByOwner(tx: Queryable): Promise<void> {
  const [key] = await tx.query<{ name: string; columns: string }>(
    `select quote_ident(c.conname) as name,
            (select string_agg(a.attname, ',' order by k.position)
             from unnest(c.conkey) with ordinality as k(attnum, position)
             join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum) as columns
     from pg_constraint c
     where c.conrelid = 'documents'::regclass and c.contype = 'p'`);
  if (key?.columns === DOCUMENTS_KEY) return;
  const dropOld = key ? `drop constraint ${key.name}, ` : '';
  await tx.query(`alter table documents ${dropOld}add primary key (owner, collection, id)`);
}
