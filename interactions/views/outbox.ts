// The development outbox page: what would have been texted or e-mailed, newest first.
import { html } from '../../src/lib/html.ts';
import { messages } from '../i18n/index.ts';
import { renderPage, type PageFrame } from './layout.ts';

export interface OutboxEntry {
  at: Date;
  channel: 'sms' | 'email';
  to: string;
  text: string;
}

export function renderOutbox(view: PageFrame & { entries: OutboxEntry[] }): string {
  const t = messages(view.locale).outbox;
  const rows = view.entries.map(
    (entry) => html`<li class="item"><strong>${entry.channel === 'sms' ? t.sms : t.email}</strong> <span class="hint">${entry.at.toISOString()}</span>
<div>${t.to}: <code>${entry.to}</code></div>
<pre class="outbox-message">${entry.text}</pre></li>`,
  );
  const body = html`
<h1>${t.title}</h1>
<p class="hint">${t.intro}</p>
${view.entries.length ? html`<ol class="outbox">${rows}</ol>` : html`<p>${t.empty}</p>`}
<p class="secondary"><a href="/account">←</a></p>`;
  return renderPage({ ...view, title: t.title, body });
}
