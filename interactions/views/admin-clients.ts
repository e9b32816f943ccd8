// Body of the admin console's read-only clients page: whether clients.json (as it is on disk now) passes the
// same checks as at start-up, its problems if not, and the OIDC clients and CAS services it registers.
import { html, type SafeHtml } from '../../src/lib/html.ts';
import type { ClientsFile } from '../../src/config/clients.ts';
import { format, messages, type Locale } from '../i18n/index.ts';

export type ClientsCheck = { ok: true; clients: ClientsFile } | { ok: false; problems: string[] };

export function renderClients(locale: Locale, view: { file: string; check: ClientsCheck }): SafeHtml {
  const t = messages(locale).admin.clients;
  const status = view.check.ok
    ? html`<p id="clients-status" class="status-valid" role="status">${t.valid}</p>`
    : html`<div id="clients-status" role="alert"><p class="status-invalid">${t.invalid}</p><h2>${t.problems}</h2>
<ul class="problems">${view.check.problems.map((problem) => html`<li>${problem}</li>`)}</ul></div>`;
  if (!view.check.ok) return html`<p class="hint">${format(t.intro, { file: view.file })}</p>${status}`;
  const { oidc, cas } = view.check.clients;
  const list = (values: unknown) => (Array.isArray(values) ? values.map(String).join(' ') : '');
  const clients = oidc.length
    ? html`<div class="table-wrap"><table class="admin" aria-labelledby="oidc-title">
<thead><tr><th scope="col">${t.id}</th><th scope="col">${t.name}</th><th scope="col">${t.redirects}</th><th scope="col">${t.grants}</th><th scope="col">${t.auth}</th><th scope="col">${t.firstParty}</th><th scope="col">${t.mfa}</th></tr></thead>
<tbody>${oidc.map(
        ({ metadata, firstParty, mfaRequired }) => html`<tr><td><code>${metadata.client_id}</code></td><td>${String(metadata.client_name ?? '')}</td><td>${list(metadata.redirect_uris)}</td><td>${list(metadata.grant_types ?? ['authorization_code'])}</td><td>${String(metadata.token_endpoint_auth_method ?? 'client_secret_basic')}</td><td>${firstParty ? t.yes : t.no}</td><td>${mfaRequired ? t.required : t.no}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p>${t.none}</p>`;
  const services = cas.length
    ? html`<div class="table-wrap"><table class="admin" aria-labelledby="cas-title">
<thead><tr><th scope="col">${t.id}</th><th scope="col">${t.name}</th><th scope="col">${t.service}</th><th scope="col">${t.mfa}</th></tr></thead>
<tbody>${cas.map(
        (service) => html`<tr><td><code>${service.id}</code></td><td>${service.name}</td><td>${[...service.urls, ...service.patterns.map((pattern) => pattern.source)].join(' ')}</td><td>${service.mfa === 'required' ? t.required : t.no}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p>${t.none}</p>`;
  return html`<p class="hint">${format(t.intro, { file: view.file })}</p>
${status}
<h2 id="oidc-title">${t.oidcTitle}</h2>
${clients}
<h2 id="cas-title">${t.casTitle}</h2>
${services}`;
}
