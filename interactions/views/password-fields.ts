// The "new password" fields for every page that sets one (change password, forced change at sign-in, reset):
// the rules in words, one error region naming each failed rule, and a strength meter that
// /assets/password-meter.js brings to life (it stays hidden without script; the server checks regardless).
import { html, type SafeHtml } from '../../src/lib/html.ts';
import type { PasswordContext, PasswordPolicy, PasswordProblem } from '../../src/services/password-policy.ts';
import { personalWords } from '../../src/services/password-rules.ts';
import { format } from '../i18n/index.ts';
import type { Messages } from '../i18n/en.ts';

export type PasswordRules = PasswordPolicy['rules'];
/** What the server refused: the policy's problems, or two entries that differ. */
/** 'same': a change an administrator required (admin console) cannot keep the old password. */
export type NewPasswordError = readonly PasswordProblem[] | 'mismatch' | 'same';

/** Put these in the page's `scripts`. */
export const passwordMeterScripts = ['/assets/password-meter.js'];

/** One sentence per failed rule, with the configured numbers filled in. */
export function passwordProblemText(t: Messages, problem: PasswordProblem, rules: PasswordRules): string {
  const words = t.passwordRules.problems;
  const values = { min: String(rules.minLength), max: String(rules.maxLength), count: String(rules.requiredClasses) };
  if (problem === 'missing_classes') return format(rules.requiredClasses >= 4 ? words.missing_all_classes : words.missing_some_classes, values);
  return format(words[problem], values);
}

/** The rules as shown before anyone types: [rule id for the meter script, sentence]. */
export function passwordRuleLines(t: Messages, rules: PasswordRules): [string, string][] {
  const words = t.passwordRules;
  const values = { min: String(rules.minLength), max: String(rules.maxLength), count: String(rules.requiredClasses) };
  return [
    ['length', format(words.ruleLength, values)],
    ...(rules.requiredClasses > 0 ? [['classes', format(rules.requiredClasses >= 4 ? words.ruleAllClasses : words.ruleSomeClasses, values)] as [string, string]] : []),
    ['common', words.ruleNotCommon],
    ['personal', words.ruleNotPersonal],
  ];
}

export interface NewPasswordFieldsView {
  rules: PasswordRules;
  error?: NewPasswordError;
  /** The person's login ID, name and e-mail, so the meter flags them as the server would. */
  person?: PasswordContext;
  autofocus?: boolean;
}

/** The new password and its confirmation, named `new_password` and `confirm_password`. */
export function renderNewPasswordFields(t: Messages, view: NewPasswordFieldsView): SafeHtml {
  const words = t.passwordRules;
  const { rules, error } = view;
  const messages = error === undefined ? [] : error === 'mismatch' ? [words.mismatch] : error === 'same' ? [t.admin.passwordSameAsOld] : error.map((problem) => passwordProblemText(t, problem, rules));
  const invalid = messages.length > 0;
  const describedBy = `password-rules password-strength${invalid ? ' new-password-error' : ''}`;
  // No maxlength: a browser would silently cut a longer paste, and the server would then accept a truncated password.
  return html`<div class="new-password" data-password-meter data-min="${rules.minLength}" data-max="${rules.maxLength}"
  data-classes="${rules.requiredClasses}" data-words="${JSON.stringify(view.person ? personalWords(view.person) : [])}"
  data-strength-is="${words.strengthIs}" data-weak="${words.strength.weak}" data-fair="${words.strength.fair}" data-strong="${words.strength.strong}"
  data-met="${words.ruleMet}" data-unmet="${words.ruleUnmet}">
  <div id="new-password-error" class="alert" role="alert"${invalid ? '' : html` hidden`}>${messages.map((text) => html`<p>${text}</p>`)}</div>
  <label for="new_password">${words.newPassword}</label>
  <input id="new_password" name="new_password" type="password" autocomplete="new-password" autocapitalize="none" spellcheck="false" required
    aria-describedby="${describedBy}"${invalid ? html` aria-invalid="true"` : ''}${view.autofocus ? html` autofocus` : ''}>
  <div class="strength" hidden>
    <meter id="password-meter" min="0" max="4" low="2" high="3" optimum="4" value="0" aria-label="${words.meterLabel}"></meter>
    <p id="password-strength" class="hint" aria-live="polite"></p>
  </div>
  <p id="password-rules-title" class="hint">${words.rulesTitle}</p>
  <ul id="password-rules" class="password-rules" aria-labelledby="password-rules-title">
    ${passwordRuleLines(t, rules).map(([id, text]) => html`<li data-rule="${id}">${text}<span class="visually-hidden rule-state"></span></li>`)}
  </ul>
  <p class="hint">${words.hint}</p>
  <label for="confirm_password">${words.confirmPassword}</label>
  <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" autocapitalize="none" spellcheck="false" required${error === 'mismatch' ? html` aria-invalid="true" aria-describedby="new-password-error"` : ''}>
</div>`;
}
