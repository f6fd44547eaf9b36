import type { Db } from './db.ts';

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
  // A document id is unique per collection and belongs to the user who first wrote it.
  // Byte-order collation: pull order (updatedAt, id) must not depend on the server's locale.
  `create table if not exists documents (
     collection text not null,
     id text collate "C" not null,
     owner text not null,
     data jsonb not null,
     updated_at double precision not null,
     deleted boolean not null,
     primary key (collection, id))`,
  `create index if not exists documents_feed on documents (owner, collection, updated_at, id)`,
];

/**
 * Creates the tables if they are missing (idempotent, safe with concurrent starters).
 *
 * @example
 * await createSchema(db);
 */
export async function createSchema(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    for (const sql of STATEMENTS) await tx.query(sql);
  });
}
