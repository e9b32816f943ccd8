// The questions WeChat as a second factor and binding from the account pages ask of the external identities:
// who owns this scan (without noting a use), does this person have a WeChat bound, and the move of one binding
// from campus ID A to campus ID B as a single UPDATE (so it is never half done: unbound from A yet not bound to B).
// A bound WeChat is deliberately not in account-security's secondFactorCount: it also signs in on its own (amr
// ext), WECHAT_MFA may be off, and counting it would make every WeChat-only person "have a factor" for the
// step-up and unknown-browser rules while the factor could not be used.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { ExternalSubject } from '../connectors/wechat/api-client.ts';

/** WeChat identities (WeCom is a different app with its own sign-in, never a second factor here). */
export const wechatProviders = ['wechat', 'wechat-open', 'wechat-mp'] as const;

export type MoveResult = 'moved' | 'changed';

export function createWechatBindings(prisma: PrismaClient) {
  const key = (subject: ExternalSubject) => ({ provider: subject.provider, appId: subject.appId, subject: subject.subject });

  return {
    /** The campus account this identity is bound to, or undefined; reads only (lastUsedAt is the caller's call). */
    async ownerOf(subject: ExternalSubject): Promise<string | undefined> {
      const found = await prisma.externalIdentity.findUnique({ where: { provider_appId_subject: key(subject) }, select: { userId: true } });
      return found?.userId;
    },

    /** Notes that the identity was just used by its owner. */
    async touch(subject: ExternalSubject): Promise<void> {
      await prisma.externalIdentity.updateMany({ where: key(subject), data: { lastUsedAt: new Date() } });
    },

    async hasWechat(userId: string): Promise<boolean> {
      return (await prisma.externalIdentity.count({ where: { userId, provider: { in: [...wechatProviders] } } })) > 0;
    },

    /**
     * Rebinds the identity from `fromUserId` to `toUserId` in one statement; 'changed' when it is no longer bound
     * to `fromUserId` (unbound or moved meanwhile), and then nothing is written.
     */
    async move(subject: ExternalSubject, fromUserId: string, toUserId: string): Promise<MoveResult> {
      const now = new Date();
      const { count } = await prisma.externalIdentity.updateMany({
        where: { ...key(subject), userId: fromUserId },
        data: { userId: toUserId, createdAt: now, lastUsedAt: now },
      });
      return count === 1 ? 'moved' : 'changed';
    },
  };
}

export type WechatBindings = ReturnType<typeof createWechatBindings>;
