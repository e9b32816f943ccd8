// Passkeys and security keys (WebAuthn, through @simplewebauthn/server): registration and authentication
// ceremonies against one pinned origin and RP ID, user verification required. Each challenge is single use,
// kept in the key-value store for at most 5 minutes under the sign-in (interaction uid) that asked for it.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { KeyValueStore } from '../data/kv-store.ts';

export interface PasskeyOptions {
  rpId: string;
  rpName: string;
  /** The ISSUER's origin: the only page origin a ceremony is accepted from. */
  origin: string;
}

export type Ceremony = 'register' | 'authenticate';

const challengeTtlSeconds = 300;
const timeoutMs = 120_000;

/** The WebAuthn user handle: the account's UUID as 16 bytes (opaque, no personal data). */
function userHandle(userId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(userId.replace(/-/g, ''), 'hex'));
}

function isCredentialJson(value: unknown): value is { id: string; rawId: string; type: string; response: Record<string, unknown> } {
  const candidate = value as { id?: unknown; rawId?: unknown; type?: unknown; response?: unknown } | null;
  return (
    typeof candidate === 'object' && candidate !== null &&
    typeof candidate.id === 'string' && candidate.id.length > 0 && candidate.id.length <= 1024 &&
    typeof candidate.rawId === 'string' && candidate.type === 'public-key' &&
    typeof candidate.response === 'object' && candidate.response !== null
  );
}

export function createPasskeyService(prisma: PrismaClient, store: KeyValueStore, options: PasskeyOptions) {
  const challengeKey = (ceremony: Ceremony, interactionUid: string) => `passkey:${ceremony}:${interactionUid}`;

  const remember = (ceremony: Ceremony, interactionUid: string, challenge: string, userId?: string) =>
    store.set(challengeKey(ceremony, interactionUid), JSON.stringify({ challenge, userId }), challengeTtlSeconds);

  /** The challenge this sign-in was given, consumed: a second verify against it finds nothing. */
  const take = async (ceremony: Ceremony, interactionUid: string) => {
    const raw = await store.take(challengeKey(ceremony, interactionUid));
    return raw ? (JSON.parse(raw) as { challenge: string; userId?: string }) : undefined;
  };

  return {
    async hasPasskey(userId: string): Promise<boolean> {
      return (await prisma.passkey.count({ where: { userId } })) > 0;
    },

    async registrationOptions(
      user: { id: string; username: string; displayName: string },
      interactionUid: string,
    ): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const existing = await prisma.passkey.findMany({ where: { userId: user.id }, select: { credentialId: true, transports: true } });
      const created = await generateRegistrationOptions({
        rpName: options.rpName,
        rpID: options.rpId,
        userName: user.username,
        userDisplayName: user.displayName,
        userID: userHandle(user.id),
        timeout: timeoutMs,
        attestationType: 'none',
        excludeCredentials: existing.map((row) => ({ id: row.credentialId, transports: row.transports as AuthenticatorTransport[] })),
        // Discoverable when the authenticator can, so the same passkey later signs in without a password.
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
      });
      await remember('register', interactionUid, created.challenge, user.id);
      return created;
    },

    /** Binds the credential when `response` answers this sign-in's registration challenge for `userId`. */
    async verifyRegistration(userId: string, response: unknown, interactionUid: string, label = 'Passkey'): Promise<boolean> {
      const expected = await take('register', interactionUid);
      if (!expected || expected.userId !== userId || !isCredentialJson(response)) return false;
      let result;
      try {
        result = await verifyRegistrationResponse({
          response: response as unknown as RegistrationResponseJSON,
          expectedChallenge: expected.challenge,
          expectedOrigin: options.origin,
          expectedRPID: options.rpId,
          requireUserVerification: true,
        });
      } catch {
        return false;
      }
      if (!result.verified) return false;
      const { credential } = result.registrationInfo;
      try {
        // A new factor ends every trusted browser, in the same transaction (as for the other factors).
        await prisma.$transaction([
          prisma.passkey.create({
            data: {
              userId,
              credentialId: credential.id,
              publicKey: Buffer.from(credential.publicKey).toString('base64url'),
              counter: BigInt(credential.counter),
              transports: credential.transports ?? [],
              label: label.slice(0, 64),
            },
          }),
          prisma.deviceTrust.deleteMany({ where: { userId } }),
        ]);
      } catch (error) {
        // The credential ID is unique: an authenticator already bound (to anyone) is not bound twice.
        if ((error as { code?: unknown }).code === 'P2002') return false;
        throw error;
      }
      return true;
    },

    /**
     * Options for an assertion. With `userId` (second factor) only that person's credentials are allowed; without
     * it (passwordless) the authenticator offers its discoverable credentials for this RP.
     */
    async authenticationOptions(interactionUid: string, userId?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const allowed = userId
        ? await prisma.passkey.findMany({ where: { userId }, select: { credentialId: true, transports: true } })
        : [];
      const created = await generateAuthenticationOptions({
        rpID: options.rpId,
        timeout: timeoutMs,
        userVerification: 'required',
        allowCredentials: allowed.map((row) => ({ id: row.credentialId, transports: row.transports as AuthenticatorTransport[] })),
      });
      await remember('authenticate', interactionUid, created.challenge, userId);
      return created;
    },

    /**
     * The account a valid assertion proves, or undefined. The stored counter moves forward with a conditional
     * update, so a replayed or cloned assertion (a counter that did not increase) loses, even in a race.
     */
    async verifyAuthentication(response: unknown, interactionUid: string, expectedUserId?: string): Promise<{ userId: string } | undefined> {
      const expected = await take('authenticate', interactionUid);
      if (!expected || expected.userId !== expectedUserId || !isCredentialJson(response)) return undefined;
      const passkey = await prisma.passkey.findUnique({ where: { credentialId: response.id } });
      if (!passkey || (expectedUserId && passkey.userId !== expectedUserId)) return undefined;
      const handle = response.response.userHandle;
      if (typeof handle === 'string' && handle !== Buffer.from(userHandle(passkey.userId)).toString('base64url')) return undefined;
      let result;
      try {
        result = await verifyAuthenticationResponse({
          response: response as unknown as AuthenticationResponseJSON,
          expectedChallenge: expected.challenge,
          expectedOrigin: options.origin,
          expectedRPID: options.rpId,
          credential: {
            id: passkey.credentialId,
            publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
            counter: Number(passkey.counter),
            transports: passkey.transports as AuthenticatorTransport[],
          },
          requireUserVerification: true,
        });
      } catch {
        return undefined;
      }
      if (!result.verified) return undefined;
      const counter = BigInt(result.authenticationInfo.newCounter);
      // Authenticators without a counter always report 0; any that once counted must keep counting up.
      const accepted = await prisma.passkey.updateMany({
        where: { id: passkey.id, counter: counter === 0n ? 0n : { lt: counter } },
        data: { counter, lastUsedAt: new Date() },
      });
      return accepted.count === 1 ? { userId: passkey.userId } : undefined;
    },
  };
}

export type PasskeyService = ReturnType<typeof createPasskeyService>;
