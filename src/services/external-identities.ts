// WeChat/WeCom identities linked to campus accounts: look one up at sign-in, link it after the person proved the
// campus account, list and unlink them on /account. Nothing here links by name, phone or e-mail.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { ExternalSubject } from '../connectors/wechat/api-client.ts';
import { isUuid } from '../lib/uuid.ts';

export interface LinkedIdentity {
  id: string;
  provider: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export function createExternalIdentities(prisma: PrismaClient) {
  const key = (subject: ExternalSubject) => ({ provider: subject.provider, appId: subject.appId, subject: subject.subject });

  return {
    /** The account this identity signs in to (and notes the use), or undefined when it is not linked. */
    async signIn(subject: ExternalSubject): Promise<string | undefined> {
      const found = await prisma.externalIdentity.findUnique({ where: { provider_appId_subject: key(subject) } });
      if (!found) return undefined;
      await prisma.externalIdentity.update({ where: { id: found.id }, data: { lastUsedAt: new Date() } });
      return found.userId;
    },

    /** Links the identity to `userId`; 'taken' when it is already linked to another account. */
    async link(subject: ExternalSubject, userId: string): Promise<'linked' | 'already' | 'taken'> {
      const existing = await prisma.externalIdentity.findUnique({ where: { provider_appId_subject: key(subject) } });
      if (existing) return existing.userId === userId ? 'already' : 'taken';
      try {
        await prisma.externalIdentity.create({ data: { ...key(subject), userId, lastUsedAt: new Date() } });
        return 'linked';
      } catch (error) {
        // Two tabs linking the same scan at once: the unique key lets one win.
        if ((error as { code?: string }).code === 'P2002') return 'taken';
        throw error;
      }
    },

    async list(userId: string): Promise<LinkedIdentity[]> {
      return prisma.externalIdentity.findMany({
        where: { userId },
        select: { id: true, provider: true, createdAt: true, lastUsedAt: true },
        orderBy: { createdAt: 'asc' },
      });
    },

    async find(userId: string, id: string): Promise<LinkedIdentity | undefined> {
      if (!isUuid(id)) return undefined;
      return (await prisma.externalIdentity.findFirst({ where: { id, userId }, select: { id: true, provider: true, createdAt: true, lastUsedAt: true } })) ?? undefined;
    },

    async unlink(userId: string, id: string): Promise<boolean> {
      const { count } = await prisma.externalIdentity.deleteMany({ where: { id, userId } });
      return count > 0;
    },
  };
}

export type ExternalIdentities = ReturnType<typeof createExternalIdentities>;
