// Claims of the scope campus_identity: whether the person's identity record is verified (registry or reviewer),
// and only then the school, grade, class and enrolment year it holds. Never the ID number, its hint or its hash.
import type { PrismaClient } from '../generated/prisma/client.ts';

export const identityScope = 'campus_identity';

export type IdentityClaims = (accountId: string) => Promise<Record<string, unknown>>;

export function createIdentityClaims(prisma: PrismaClient): IdentityClaims {
  return async (accountId) => {
    const record = await prisma.identityRecord.findUnique({
      where: { userId: accountId },
      select: { status: true, school: true, grade: true, className: true, enrolmentYear: true },
    });
    if (record?.status !== 'verified') return { identity_verified: false };
    return { identity_verified: true, school: record.school, grade: record.grade, class: record.className, enrolment_year: record.enrolmentYear };
  };
}
