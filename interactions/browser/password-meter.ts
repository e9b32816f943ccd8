/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Browser script (bundled at server start by src/http/static-assets.ts into /assets/password-meter.js): brings the
// fields of interactions/views/password-fields.ts to life. As the person types it ticks off the rules, with the
// same rule code and blocklist as the server, and shows zxcvbn-ts's estimate as a bar and a word.
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { campusPasswordWords } from '../../src/services/campus-password-words.ts';
import { blocklistForm, findPasswordProblems, type PasswordRules } from '../../src/services/password-rules.ts';

const ruleOfProblem: Record<string, string> = { too_short: 'length', too_long: 'length', missing_classes: 'classes', common: 'common', contains_personal: 'personal' };

function attach(container: HTMLElement): void {
  const input = container.querySelector<HTMLInputElement>('input[name="new_password"]');
  const meter = container.querySelector<HTMLMeterElement>('meter');
  const summary = container.querySelector<HTMLElement>('[aria-live]');
  const strength = container.querySelector<HTMLElement>('.strength');
  if (!input || !meter || !summary || !strength) return;
  const data = container.dataset;
  const rules: PasswordRules = { minLength: Number(data.min), maxLength: Number(data.max), requiredClasses: Number(data.classes) };
  // The person's words, already in the server's form (personalWords in password-rules.ts).
  const words = JSON.parse(data.words ?? '[]') as string[];
  const blocklist = new Set([...dictionary['passwords-common'], ...campusPasswordWords].map(blocklistForm));
  const zxcvbn = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });
  strength.hidden = false;

  let pending: number | undefined;
  const update = () => {
    const password = input.value;
    const problems = findPasswordProblems(password, rules, blocklist, {});
    const lower = password.normalize('NFKC').toLowerCase();
    if (words.some((word) => lower.includes(word))) problems.push('contains_personal');
    const failed = new Set(problems.map((problem) => ruleOfProblem[problem]));
    for (const item of container.querySelectorAll<HTMLElement>('[data-rule]')) {
      const met = password !== '' && !failed.has(item.dataset.rule ?? '');
      item.classList.toggle('met', met);
      const state = item.querySelector<HTMLElement>('.rule-state');
      if (state) state.textContent = ` ${met ? data.met ?? '' : data.unmet ?? ''}`;
    }
    // The estimate is the slow part: it waits for a pause in typing.
    window.clearTimeout(pending);
    pending = window.setTimeout(() => {
      if (password === '') {
        meter.value = 0;
        summary.textContent = '';
        return;
      }
      const score = zxcvbn.check(password.slice(0, 256), words).score;
      const level = problems.length > 0 ? 'weak' : score >= 3 ? 'strong' : 'fair';
      meter.value = problems.length > 0 ? Math.min(score, 1) : Math.max(score, 2);
      container.dataset.level = level;
      summary.textContent = (data.strengthIs ?? '{level}').replace('{level}', data[level] ?? level);
    }, 250);
  };
  input.addEventListener('input', update);
  if (input.value) update();
}

for (const container of document.querySelectorAll<HTMLElement>('[data-password-meter]')) attach(container);
