// oidc-provider's storage adapter over our KeyValueStore (Redis or the embedded SQL store). Keys:
// `oidc:<Model>:<id>`; tokens of one grant are listed in `oidc:grant:<grantId>` (written in the same atomic step)
// so revoking a grant deletes them all; a consumed mark lives beside the token and expires with it. Sessions and
// grants of one account are listed in `oidc:account:<accountId>` (same atomic step), for "sign out everywhere".
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { KeyValueStore } from '../data/kv-store.ts';

const grantable = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export const grantKey = (grantId: string) => `oidc:grant:${grantId}`;
/** Every Session and Grant key of one account (src/services/account-sessions.ts lists and ends them). */
export const accountIndexKey = (accountId: string) => `oidc:account:${accountId}`;

export function createAdapterFactory(store: KeyValueStore): (model: string) => Adapter {
  return (model: string) => createAdapter(store, model);
}

function createAdapter(store: KeyValueStore, model: string): Adapter {
  const key = (id: string) => `oidc:${model}:${id}`;
  const consumedKey = (id: string) => `${key(id)}:consumed`;
  const uidKey = (uid: string) => `oidc:${model}:uid:${uid}`;
  const userCodeKey = (userCode: string) => `oidc:${model}:userCode:${userCode}`;

  if (model === 'Client') {
    // Clients are static (clients.json) and served from memory by the provider; unknown ids are simply absent.
    return {
      upsert: async () => {
        throw new Error('clients are configured in clients.json; dynamic registration is not enabled');
      },
      find: async () => undefined,
      findByUid: async () => undefined,
      findByUserCode: async () => undefined,
      consume: async () => undefined,
      destroy: async () => undefined,
      revokeByGrantId: async () => undefined,
    };
  }

  const findById = async (id: string): Promise<AdapterPayload | undefined> => {
    const [payload, consumed] = await store.getMany([key(id), consumedKey(id)]);
    if (payload === undefined) return undefined;
    const parsed = JSON.parse(payload) as AdapterPayload;
    return consumed === undefined ? parsed : { ...parsed, consumed: Number(consumed) };
  };

  const findByIndex = async (indexKey: string) => {
    const id = await store.get(indexKey);
    return id === undefined ? undefined : findById(id);
  };

  return {
    async upsert(id, payload, expiresIn) {
      const value = JSON.stringify(payload);
      const sets = grantable.has(model) && payload.grantId ? [{ setKey: grantKey(payload.grantId), member: key(id) }] : [];
      if ((model === 'Session' || model === 'Grant') && payload.accountId) sets.push({ setKey: accountIndexKey(payload.accountId), member: key(id) });
      const writes = [store.set(key(id), value, expiresIn, sets)];
      if (model === 'Session' && payload.uid) writes.push(store.set(uidKey(payload.uid), id, expiresIn));
      if (payload.userCode) writes.push(store.set(userCodeKey(payload.userCode), id, expiresIn));
      await Promise.all(writes);
    },
    find: findById,
    findByUid: (uid) => findByIndex(uidKey(uid)),
    findByUserCode: (userCode) => findByIndex(userCodeKey(userCode)),
    async consume(id) {
      await store.attach(key(id), consumedKey(id), String(Math.floor(Date.now() / 1000)));
    },
    async destroy(id) {
      await store.delete([key(id), consumedKey(id)]);
    },
    async revokeByGrantId(grantId) {
      await store.deleteSetMembers(grantKey(grantId));
    },
  };
}
