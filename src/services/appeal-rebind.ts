// After an approved lost-phone appeal the person binds a new number at the next sign-in: the roles the appeal
// unbound count as missing for the contacts prompt (src/oidc/contacts-policy.ts) until a verified number is bound
// in each, and then the appeal's rebindPending flag is cleared. One indexed query per check.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { ContactRole } from '../config/env.ts';
import { unbindableRoles } from './appeals.ts';

export function createAppealRebind(deps: { prisma: PrismaClient; onCleared?: (userId: string, appealId: string) => void }) {
  const { prisma } = deps;
  return {
    /** Roles an approved appeal unbound and the person has not bound again; clears the flag when none is left. */
    async missing(userId: string): Promise<ContactRole[]> {
      const pending = await prisma.appeal.findMany({ where: { userId, rebindPending: true }, select: { id: true, unbindRoles: true } });
      if (pending.length === 0) return [];
      const roles = unbindableRoles.filter((role) => pending.some((appeal) => appeal.unbindRoles.includes(role)));
      const bound = await prisma.contactPoint.findMany({ where: { userId, role: { in: roles }, verifiedAt: { not: null } }, select: { role: true } });
      const missing = roles.filter((role) => !bound.some((row) => row.role === role));
      if (missing.length === 0) {
        const { count } = await prisma.appeal.updateMany({ where: { id: { in: pending.map((appeal) => appeal.id) }, rebindPending: true }, data: { rebindPending: false } });
        if (count) for (const appeal of pending) deps.onCleared?.(userId, appeal.id);
      }
      return missing;
    },
  };
}

export type AppealRebind = ReturnType<typeof createAppealRebind>;
