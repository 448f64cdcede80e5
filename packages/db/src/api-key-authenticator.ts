import pg from 'pg';
import { authenticateApiKeyHash, apiKeyUseRecordIntervalMs, hashApiKeySecret, type AuthenticatedApiKey, type ApiKeyPrincipal } from './api-keys.ts';
import type { Queryable } from './queryable.ts';

/** Announced by the database when a key is revoked, deleted or changed (payload: its secret hash). */
export const apiKeyChangeChannel = 'reportrun_api_key_changed';

export interface ApiKeyAuthenticatorOptions {
  pool: Queryable;
  /** The database to listen on; the listener holds a connection of its own. */
  connectionString: string;
  /** The longest a key is served from memory; a revocation reaches memory at once. */
  cacheTtlMs?: number;
  maxEntries?: number;
  /** Records a key's use; called at most once per key per `apiKeyUseRecordIntervalMs`. */
  recordUse(keyId: string, now: Date): Promise<unknown>;
  /** Told when the listener loses its connection (keys are looked up every time until it is back). */
  onListenerError?(error: unknown): void;
}

export interface ApiKeyAuthenticator {
  /** The key a presented secret names, or null when it is unknown or revoked. */
  authenticate(secret: string, now?: Date): Promise<ApiKeyPrincipal | null>;
  close(): Promise<void>;
}

interface CachedKey {
  key: AuthenticatedApiKey;
  expiresAt: number;
}

/**
 * Authenticates API keys, keeping the keys that did in memory so a request costs no query. A
 * key is only served from memory while this process is listening for key changes: the
 * database announces every revocation on commit (a trigger on `api_keys`), and the listener
 * drops the key. While the listener is disconnected nothing is cached and every request reads
 * the database, so a revocation is never missed, only the saving is. Unknown secrets are never
 * cached, so a new key works at once.
 */
export function createApiKeyAuthenticator(options: ApiKeyAuthenticatorOptions): ApiKeyAuthenticator {
  const ttlMs = options.cacheTtlMs ?? 30_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const cache = new Map<string, CachedKey>();
  let listening = false;
  /** Bumped by every announced change and every listener loss: a lookup that overlapped one is not cached. */
  let generation = 0;
  let closed = false;
  let listener: pg.Client | null = null;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryMs = 250;

  const forgetAll = () => {
    listening = false;
    generation += 1;
    cache.clear();
  };

  async function listen(): Promise<void> {
    // Keepalive, so a connection that silently died is noticed (and the cache dropped) in time.
    const client = new pg.Client({ connectionString: options.connectionString, keepAlive: true, application_name: 'reportrun-api-key-listener' });
    listener = client;
    const lost = (error: unknown) => {
      if (listener !== client) return;
      listener = null;
      forgetAll();
      client.removeAllListeners('notification');
      client.end().catch(() => {});
      if (closed) return;
      options.onListenerError?.(error);
      retryTimer = setTimeout(() => void listen(), retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('the key-change listener connection ended')));
    client.on('notification', (message) => {
      if (message.channel !== apiKeyChangeChannel) return;
      generation += 1;
      if (message.payload) cache.delete(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${apiKeyChangeChannel}`);
      if (listener !== client) return;
      listening = true;
      retryMs = 250;
    } catch (error) {
      lost(error);
    }
  }
  void listen();

  function remember(hash: string, key: AuthenticatedApiKey, now: number) {
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(hash, { key, expiresAt: now + ttlMs });
  }

  return {
    async authenticate(secret, now = new Date()) {
      const hash = hashApiKeySecret(secret);
      let key: AuthenticatedApiKey | null;
      const cached = listening ? cache.get(hash) : undefined;
      if (cached && cached.expiresAt > now.getTime()) {
        key = cached.key;
      } else {
        const before = generation;
        key = await authenticateApiKeyHash(options.pool, hash);
        if (key && listening && generation === before) remember(hash, key, now.getTime());
        else cache.delete(hash);
      }
      if (!key) return null;
      if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() >= apiKeyUseRecordIntervalMs) {
        // Noted before the write, so the requests that follow do not each try it; the write is
        // conditional, so concurrent processes write once per interval between them.
        key.lastUsedAt = now;
        options.recordUse(key.principal.keyId, now).catch(() => {});
      }
      return key.principal;
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const client = listener;
      listener = null;
      forgetAll();
      await client?.end().catch(() => {});
    },
  };
}
