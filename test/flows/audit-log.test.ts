// The audit trail's own rules: recording never fails the request, AUDIT_RETENTION_DAYS prunes old rows, and the
// settings it and CAMPUS_NETWORKS read are validated with messages naming the variable.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { createAuditLog } from '../../src/services/audit-log.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { loadConfig } from '../../src/config/env.ts';
import { createPlaceLookup, parseNamedNetworks } from '../../src/lib/networks.ts';
import type { PrismaClient } from '../../src/generated/prisma/client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.destroy());

it('deletes events older than the retention and keeps the rest', async () => {
  const { prisma } = server.services;
  const audit = createAuditLog({ prisma, logger: createLogger('silent'), retentionDays: 30 });
  await audit.record({ type: 'sign_in.failed', ip: '192.0.2.1', detail: { reason: 'invalid_credentials' } });
  await prisma.authEvent.create({ data: { type: 'sign_in.succeeded', createdAt: new Date(Date.now() - 31 * 86_400_000) } });
  expect(await prisma.authEvent.count()).toBe(2);
  expect(await audit.pruneOld()).toBe(1);
  expect((await prisma.authEvent.findMany()).map((event) => event.type)).toEqual(['sign_in.failed']);
});

it('never fails the caller when the database does not take the event', async () => {
  const broken = { authEvent: { create: async () => Promise.reject(new Error('database away')) } } as unknown as PrismaClient;
  const audit = createAuditLog({ prisma: broken, logger: createLogger('silent'), retentionDays: 30 });
  await expect(audit.record({ type: 'mfa.failed', userId: null })).resolves.toBeUndefined();
});

it('validates AUDIT_RETENTION_DAYS and CAMPUS_NETWORKS', () => {
  expect(loadConfig({}).auditRetentionDays).toBe(365);
  expect(() => loadConfig({ AUDIT_RETENTION_DAYS: '0' })).toThrow(/AUDIT_RETENTION_DAYS must be a whole number from 1/);
  expect(() => loadConfig({ CAMPUS_NETWORKS: '10.0.0.0/33=Campus' })).toThrow(/CAMPUS_NETWORKS: "10.0.0.0\/33" is not an address range/);
  expect(() => loadConfig({ CAMPUS_NETWORKS: '10.0.0.0/8' })).toThrow(/CAMPUS_NETWORKS: "10.0.0.0\/8" needs a label/);
  const { networks, problems } = parseNamedNetworks('10.0.0.0/8=Campus network, 2001:db8::/32=Campus Wi-Fi');
  expect(problems).toEqual([]);
  const placeOf = createPlaceLookup(networks);
  expect(placeOf('10.20.30.40')).toBe('Campus network');
  expect(placeOf('::ffff:10.20.30.40')).toBe('Campus network');
  expect(placeOf('2001:db8::1')).toBe('Campus Wi-Fi');
  expect(placeOf('192.0.2.1')).toBeUndefined();
});
