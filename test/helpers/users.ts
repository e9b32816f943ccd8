// Seeds people straight into the server's database for flow tests.
import type { PrismaClient } from '../../src/generated/prisma/client.ts';
import { hashPassword } from '../../src/services/password-hashing.ts';

export const student = {
  username: '20230001',
  password: 'Correct-Horse-Battery-9',
  cardNumber: 'C10020030',
  displayName: '李华 Li Hua',
  email: 'lihua@example.edu',
};

export async function seedStudent(prisma: PrismaClient, overrides: Partial<typeof student> & { status?: string } = {}) {
  const person = { ...student, ...overrides };
  return prisma.user.create({
    data: {
      username: person.username,
      displayName: person.displayName,
      cardNumber: person.cardNumber,
      type: 'student',
      department: 'Physics',
      status: overrides.status ?? 'active',
      passwordHash: await hashPassword(person.password),
      contacts: { create: [{ role: 'email', value: person.email, verifiedAt: new Date() }] },
    },
  });
}
