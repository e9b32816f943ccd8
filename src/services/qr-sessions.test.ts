// QR sessions on the real stores: one claim per token however many phones race for it, one decision per claim,
// one finish per approval, a refreshed QR kills the one before, and every change is published.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlStore } from '../data/sql-store.ts';
import type { KeyValueStore } from '../data/kv-store.ts';
import { openTestDatabase, type TestDatabase } from '../../test/helpers/stores.ts';
import { createQrEvents } from './qr-events.ts';
import { createQrSessions, type QrStatus } from './qr-sessions.ts';

let database: TestDatabase;
let store: KeyValueStore;
const published: QrStatus[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
  store = createSqlStore(database.database.sql);
});
afterAll(async () => database?.cleanup());

const desktop = { interactionUid: 'uid-1', clientName: 'Web App', ip: '10.0.0.1', userAgent: 'Mozilla/5.0' };

async function sessions() {
  const events = await createQrEvents({ channel: 'test' });
  const qr = createQrSessions({ store, events, tokenSeconds: 60, decisionSeconds: 60 });
  return { qr, events };
}

describe('QR sessions', () => {
  it('lets exactly one of many phones racing by token and by typed code claim the session', async () => {
    const { qr, events } = await sessions();
    const started = await qr.start({ ...desktop, interactionUid: 'race' });
    events.subscribe(started.sessionId, (status) => published.push(status));
    const claims = await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 ? qr.claimToken(started.token) : qr.claimShortCode(started.shortCode))));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await qr.claimShortCode(started.shortCode)).toBeUndefined();
    const claimed = claims.find(Boolean)!;
    expect(claimed.session.choices).toHaveLength(3);
    expect(claimed.session.choices).toContain(started.digits);
    expect(new Set(claimed.session.choices).size).toBe(3);
    expect(published).toEqual(['scanned']);
  });

  it('decides once, burns the session on a wrong number, and hands the approval out once', async () => {
    const { qr } = await sessions();
    const wrong = await qr.start({ ...desktop, interactionUid: 'wrong' });
    const phone = (await qr.claimToken(wrong.token))!;
    const other = phone.session.choices!.find((choice) => choice !== wrong.digits)!;
    expect(await qr.decide(phone.phoneKey, 'account-1', { approve: true, number: other })).toBe('mismatch');
    expect(await qr.decide(phone.phoneKey, 'account-1', { approve: true, number: wrong.digits })).toBe('gone');
    expect(await qr.takeApproval(wrong.sessionId, 'wrong')).toBeUndefined();

    const right = await qr.start({ ...desktop, interactionUid: 'right' });
    const phone2 = (await qr.claimShortCode(` ${right.shortCode.slice(0, 4).toLowerCase()}-${right.shortCode.slice(4)} `))!;
    expect(await qr.decide(phone2.phoneKey, 'account-2', { approve: true, number: right.digits })).toBe('approved');
    // Only the desktop interaction the QR was made for may finish with it, and only once.
    expect(await qr.takeApproval(right.sessionId, 'someone-else')).toBeUndefined();
    const takes = await Promise.all([qr.takeApproval(right.sessionId, 'right'), qr.takeApproval(right.sessionId, 'right')]);
    expect(takes.filter(Boolean)).toEqual(['account-2']);
    expect((await qr.find(right.sessionId))?.status).toBe('finished');
  });

  it('kills the previous QR of the same sign-in when a new one is shown', async () => {
    const { qr } = await sessions();
    const first = await qr.start(desktop);
    const second = await qr.start(desktop);
    expect(await qr.claimToken(first.token)).toBeUndefined();
    expect(await qr.claimShortCode(first.shortCode)).toBeUndefined();
    expect(await qr.claimToken(second.token)).toBeDefined();
    expect(second.token.length).toBeGreaterThanOrEqual(32);
  });
});
