// Sign-in with a password that is right but breaks today's policy (PASSWORD_WEAK_EXISTING): "change" holds the
// login result back until the person chooses a new password within the same interaction, then finishes the login
// exactly as it would have; for someone with a second factor the change waits until after that factor (the mfa
// prompt is then demanded), so a leaked weak password alone cannot change it. "disable" disables the account.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { KeyValueStore } from '../src/data/kv-store.ts';
import type { AccountService, UserRecord } from '../src/services/accounts.ts';
import type { AuditLog } from '../src/services/audit-log.ts';
import { passwordContextOf, type PasswordPolicy, type PasswordProblem } from '../src/services/password-policy.ts';
import { AppError } from '../src/lib/errors.ts';
import { issueCsrfToken, verifyCsrf } from '../src/http/csrf.ts';
import type { SecurityNotifications } from './account-routes.ts';
import { interactionHelpers, type Details, type InteractionResult } from './interaction-helpers.ts';
import { localeOf, pageFrame } from './render.ts';
import type { NewPasswordError } from './views/password-fields.ts';
import type { WeakPasswords } from '../src/services/weak-passwords.ts';
import { verifyPassword } from '../src/services/password-hashing.ts';
import { renderWeakPasswordChange, renderWeakPasswordDisabled } from './views/password-change.ts';

export interface WeakPasswordDependencies {
  provider: Provider;
  accounts: AccountService;
  store: KeyValueStore;
  policy: PasswordPolicy;
  notifier?: SecurityNotifications;
  audit?: Pick<AuditLog, 'record'>;
  weakPasswords: WeakPasswords;
  hasSecondFactor(accountId: string): Promise<boolean>;
}

type LoginResult = NonNullable<InteractionResult['login']>;

/** What waits in the store, bound to the interaction, while the person chooses a new password. Never a password. */
interface HeldLogin {
  login: LoginResult;
  problems: PasswordProblem[];
}

const holdSeconds = 600;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Registers POST /:uid/password on the interaction router; `holdBack` is called after a good password. */
export function weakPasswordStep(deps: WeakPasswordDependencies, router: Router) {
  const { accounts, store, policy } = deps;
  const { parseForm, details, finish } = interactionHelpers(deps.provider);
  const heldKey = (uid: string) => `password:weak:${uid}`;

  const showChange = (ctx: Context, interaction: Details, user: UserRecord, held: HeldLogin, error?: NewPasswordError) => {
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = renderWeakPasswordChange({
      ...pageFrame(ctx, interaction.params.ui_locales),
      languageLinks: undefined,
      csrfToken: issueCsrfToken(ctx),
      action: `/interaction/${interaction.uid}/password`,
      rules: policy.rules,
      problems: held.problems,
      person: passwordContextOf(user),
      error,
    });
  };

  router.post('/:uid/password', parseForm, async (ctx) => {
    const interaction = await details(ctx);
    const saved = ['login', 'mfa'].includes(interaction.prompt.name) ? await store.get(heldKey(interaction.uid)) : undefined;
    if (!saved) throw new AppError('interaction_expired');
    const held = JSON.parse(saved) as HeldLogin;
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrf(ctx, form._csrf)) throw new AppError('csrf_failed');
    const user = await accounts.findById(held.login.accountId);
    if (!user || user.status !== 'active') throw new AppError('interaction_expired');
    const next = text(form.new_password);
    const check = policy.check(next, passwordContextOf(user));
    if (!check.ok || next.normalize('NFKC') !== text(form.confirm_password).normalize('NFKC')) {
      ctx.status = 400;
      return showChange(ctx, interaction, user, held, check.ok ? 'mismatch' : check.problems);
    }
    // A change an administrator required (no policy problems) must not keep the old password.
    if (held.problems.length === 0 && user.passwordHash && (await verifyPassword(user.passwordHash, next)).ok) {
      ctx.status = 400;
      return showChange(ctx, interaction, user, held, 'same');
    }
    // Single use: a second submission (another tab) finds nothing and changes nothing.
    if (!(await store.take(heldKey(interaction.uid)))) throw new AppError('interaction_expired');
    await accounts.setPassword(user.username, next);
    ctx.state.logger.info({ event: 'sign_in.weak_password_replaced', accountId: user.id }, 'weak password replaced at sign-in');
    await deps.audit?.record({ type: 'password.changed', userId: user.id, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail: { via: 'sign_in_policy' } });
    try {
      await deps.notifier?.notify(user.id, 'password_changed', { locale: localeOf(ctx, interaction.params.ui_locales) });
    } catch (error) {
      ctx.state.logger.warn({ err: error, event: 'sign_in.notify_failed', notice: 'password_changed', accountId: user.id }, 'security notice not sent');
    }
    await finish(ctx, { login: { ...held.login, ts: Math.floor(Date.now() / 1000) } });
  });

  // A change an administrator required (admin console: weakPasswords.mark with no problems), or a mark left from
  // before the last factor was removed: without a second factor the change comes now; with one, after it.
  const holdMarkedChange = async (ctx: Context, interaction: Details, user: UserRecord, login: LoginResult) => {
    const problems = await deps.weakPasswords.pending(user.id);
    if (!problems || (await deps.hasSecondFactor(user.id))) return false;
    const held: HeldLogin = { login, problems };
    await store.set(heldKey(interaction.uid), JSON.stringify(held), holdSeconds);
    ctx.state.logger.info({ event: 'sign_in.password_change_required', accountId: user.id }, 'password change required before the sign-in finishes');
    showChange(ctx, interaction, user, held);
    return true;
  };

  return {
    /**
     * After a right password: checks it against the policy. Returns true when the sign-in stops here (a page was
     * rendered), false when the caller finishes the login as usual.
     */
    async holdBack(ctx: Context, interaction: Details, user: UserRecord, password: string, login: LoginResult): Promise<boolean> {
      if (await holdMarkedChange(ctx, interaction, user, login)) return true;
      const check = policy.check(password, passwordContextOf(user));
      if (check.ok) return false;
      const logged = { accountId: user.id, problems: check.problems, action: policy.weakExisting };
      if (policy.weakExisting === 'allow') {
        ctx.state.logger.info({ event: 'sign_in.weak_password', ...logged }, 'signed in with a password that breaks the policy');
        return false;
      }
      ctx.set('Cache-Control', 'no-store');
      if (policy.weakExisting === 'disable') {
        await accounts.setStatus(user.username, 'disabled');
        ctx.state.logger.warn({ event: 'sign_in.weak_password', ...logged }, 'account disabled: its password breaks the policy');
        await deps.audit?.record({ type: 'password.weak_disabled', userId: user.id, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail: { problems: check.problems.join(',') } });
        ctx.status = 403;
        ctx.type = 'html';
        ctx.body = renderWeakPasswordDisabled({ ...pageFrame(ctx, interaction.params.ui_locales), languageLinks: undefined, rules: policy.rules, problems: check.problems });
        return true;
      }
      if (await deps.hasSecondFactor(user.id)) {
        await deps.weakPasswords.mark(user, check.problems);
        ctx.state.logger.info({ event: 'sign_in.weak_password', ...logged }, 'password change required after the second factor');
        return false;
      }
      const held: HeldLogin = { login, problems: check.problems };
      await store.set(heldKey(interaction.uid), JSON.stringify(held), holdSeconds);
      ctx.state.logger.info({ event: 'sign_in.weak_password', ...logged }, 'password change required before the sign-in finishes');
      showChange(ctx, interaction, user, held);
      return true;
    },

    /** After the second factor: when a weak password waits to be changed, shows the change page and holds `login`. */
    async holdAfterSecondFactor(ctx: Context, interaction: Details, login: LoginResult): Promise<boolean> {
      const problems = await deps.weakPasswords.pending(login.accountId);
      const user = problems && (await accounts.findById(login.accountId));
      if (!problems || !user) return false;
      const held: HeldLogin = { login, problems };
      await store.set(heldKey(interaction.uid), JSON.stringify(held), holdSeconds);
      showChange(ctx, interaction, user, held);
      return true;
    },
  };
}
