// Settings: the organization's details, its access tokens (created with a comment, scopes and an
// expiry; the token shown once; revoked with a second click) and its members (the owner, its first
// member, invites others by e-mail).
import { listAll } from '../api.js';
import { badge, bodyChoices, confirmButton, copyButtons, dateTime, day, draw, field, html, onSubmit, revealedSecret, select, table, uploadFile } from '../ui.js';

const EXPIRIES = [
  ['', 'Never'],
  [String(86400), '1 day'],
  [String(7 * 86400), '7 days'],
  [String(30 * 86400), '30 days'],
  [String(90 * 86400), '90 days'],
  [String(365 * 86400), '1 year'],
];

/** A token just created: drawn once by the next render, then forgotten. */
let revealOnce = null;

export default async function settings(ctx) {
  const organization = ctx.organization;
  const [current, tokens, members, scopes] = await Promise.all([
    ctx.api('GET', `/v1/organizations/${organization.id}`),
    listAll('/v1/organization-access-tokens/', { organization_id: organization.id }),
    ctx.api('GET', `/v1/organizations/${organization.id}/members`).then((result) => result.items),
    bodyChoices('/v1/organization-access-tokens/', 'post', 'scopes'),
  ]);
  const revealed = revealOnce?.organizationId === organization.id ? revealOnce : null;
  revealOnce = null;
  const isOwner = members.some((member) => member.is_owner && member.user_id === ctx.user.id);
  const profile = current.profile_settings ?? {};

  draw(
    ctx.main,
    html`<div class="toolbar"><h1>Settings</h1></div>
<section class="card"><h2>Organization</h2><form id="organization-form" novalidate>
${field('Name', 'name', { value: current.name, required: true })}
<p class="muted">Slug: <code>${current.slug}</code> (it cannot change)</p>
<div class="row">${current.avatar_url ? html`<img class="avatar" src="${current.avatar_url}" alt="Current avatar" width="48" height="48">` : ''}<div class="grow">${field('Avatar', 'avatar_file', { type: 'file', attrs: 'accept="image/*"', hint: 'An image; uploaded when you save.' })}</div></div>
${field('Avatar URL', 'avatar_url', { type: 'url', value: current.avatar_url ?? '', attrs: 'data-type="nullable"', hint: 'Or the address of an image; empty for none.' })}
${field('Description', 'profile_settings.description', { type: 'textarea', value: profile.description ?? '', attrs: 'data-type="nullable" maxlength="160"', hint: 'Shown on your public pages; up to 160 characters.' })}
${field('Links', 'profile_settings.links', { value: (profile.links ?? []).join(', '), attrs: 'data-type="list"', hint: 'Addresses separated by commas.' })}
<button type="submit">Save organization</button></form></section>

<section class="card"><h2>Access tokens</h2><p class="muted">Organization tokens act as this organization through the API, with the scopes you give them.</p>
${revealed ? html`<div class="card revealed" aria-labelledby="token-title"><h3 id="token-title">Token “${revealed.comment || 'untitled'}” created</h3>${revealedSecret('Access token', 'new-access-token', revealed.token)}</div>` : ''}
${table(
      [
        { label: 'Comment', cell: (token) => html`<span id="token-${token.id}">${token.comment || html`<span class="muted">No comment</span>`}</span>` },
        { label: 'Scopes', cell: (token) => (token.scopes.length ? token.scopes.join(', ') : html`<span class="muted">None</span>`) },
        { label: 'Created', cell: (token) => day(token.created_at) },
        { label: 'Expires', cell: (token) => (token.expires_at ? (Date.parse(token.expires_at) <= Date.now() ? badge(`Expired ${day(token.expires_at)}`, 'bad') : dateTime(token.expires_at)) : 'Never') },
        { label: 'Last used', cell: (token) => (token.last_used_at ? dateTime(token.last_used_at) : 'Never') },
        { label: 'Actions', cell: (token) => html`<button type="button" class="danger" data-revoke="${token.id}" aria-describedby="token-${token.id}">Revoke</button>` },
      ],
      tokens,
      { empty: 'No access tokens yet.' },
    )}
<h3>New token</h3><form id="token-form" novalidate>
${field('Comment', 'comment', { attrs: 'data-keep-empty="true" maxlength="255" autocomplete="off"', hint: 'What it is for, e.g. "CI deploys".' })}
${select('Expires', 'expires_in', EXPIRIES, { attrs: 'data-type="int"' })}
<fieldset data-field="scopes"><legend>Scopes</legend><div class="choices">${scopes.map((scope) => {
      const id = `scope-${scope.replace(/[^a-z0-9]+/g, '-')}`;
      return html`<div class="field check"><input type="checkbox" id="${id}" name="scopes" value="${scope}" data-type="list"><label for="${id}">${scope}</label></div>`;
    })}</div></fieldset>
<button type="submit">Create token</button></form></section>

<section class="card"><h2>Members</h2>${table(
      [
        { label: 'Email', cell: (member) => member.email },
        { label: 'Role', cell: (member) => (member.is_owner ? badge('Owner', 'good') : 'Member') },
        { label: 'Joined', cell: (member) => day(member.created_at) },
      ],
      members,
    )}
${isOwner ? html`<h3>Invite a member</h3><form id="invite-form" novalidate>${field('Email', 'email', { type: 'email', required: true, id: 'invite-email', attrs: 'autocomplete="off"', hint: 'They get an e-mail and sign in with this address.' })}<button type="submit">Invite member</button></form>` : html`<p class="muted">Only the owner invites members.</p>`}</section>`,
  );
  copyButtons(ctx.main);

  onSubmit(ctx.main.querySelector('#organization-form'), async (body) => {
    const file = ctx.main.querySelector('[name="avatar_file"]').files[0];
    if (file) body.avatar_url = (await uploadFile(ctx.api, file, { organizationId: organization.id, service: 'organization_avatar' })).public_url;
    const updated = await ctx.api('PATCH', `/v1/organizations/${organization.id}`, { body });
    // The shell's organization (its switcher and title) is this same object: updated in place, it shows the new name.
    Object.assign(organization, updated);
    await ctx.refresh();
    return 'Organization saved.';
  });

  onSubmit(ctx.main.querySelector('#token-form'), async (body) => {
    const created = await ctx.api('POST', '/v1/organization-access-tokens/', { body: { ...body, scopes: body.scopes ?? [], organization_id: organization.id } });
    revealOnce = { organizationId: organization.id, comment: created.organization_access_token.comment, token: created.token };
    await ctx.refresh();
    return 'Access token created.';
  });

  for (const button of ctx.main.querySelectorAll('[data-revoke]')) {
    confirmButton(button, async () => {
      await ctx.api('DELETE', `/v1/organization-access-tokens/${button.dataset.revoke}`);
      await ctx.refresh();
      return 'Access token revoked.';
    });
  }

  const inviteForm = ctx.main.querySelector('#invite-form');
  if (inviteForm) {
    onSubmit(inviteForm, async (body) => {
      const member = await ctx.api('POST', `/v1/organizations/${organization.id}/members/invite`, { body });
      await ctx.refresh();
      return `${member.email} is a member now; they were sent an e-mail.`;
    });
  }
}
