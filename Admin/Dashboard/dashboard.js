// The marketers' dashboard: campaigns and their state, the chosen one's metrics every second, live admission controls,
// a form to create a campaign, and the audit log. It calls the admin API with the key the marketer typed, kept in
// sessionStorage so it lives as long as the tab and no longer. Everything shown from the API is set as text, never as
// markup: campaign names and audit details are whatever a client sent.
(() => {
  'use strict';

  const storageKey = 'flashsale.adminKey';
  const rank = { live: 0, soldout: 1, scheduled: 2, ended: 3, cancelled: 4 };
  const changeable = new Set(['scheduled', 'live', 'soldout']);
  const $ = (id) => document.getElementById(id);
  const whole = new Intl.NumberFormat('en-US');
  const tenths = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

  const st = {
    key: sessionStorage.getItem(storageKey),
    campaigns: [],
    selected: decodeURIComponent(location.hash.slice(1)) || null,
    started: false,
    rendered: { list: '', audit: '' },
  };

  class ApiError extends Error {
    constructor(message, status, errors) {
      super(message);
      this.status = status;
      this.errors = errors || {};
    }
  }

  function show(view) {
    document.body.dataset.view = view;
    for (const element of document.querySelectorAll('[data-for]')) element.hidden = element.dataset.for !== view;
  }

  function status(text, bad = false) {
    $('status').textContent = text;
    $('status').classList.toggle('bad', bad);
  }

  function report(error) {
    if (error.status !== 401) status(error.message, true);
  }

  function element(tag, className, text) {
    const made = document.createElement(tag);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function badge(target, state) {
    target.textContent = state;
    target.className = 'badge ' + state;
    return target;
  }

  async function api(method, path, body) {
    const headers = { 'X-Api-Key': st.key || '' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, { method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError('The admin service cannot be reached; retrying.', 0);
    }
    const data = await response.json().catch(() => null);
    if (response.status === 401) signOut('That key was refused; enter the admin key again.');
    if (!response.ok) {
      const detail = data && (data.detail || data.title);
      throw new ApiError(detail || 'The request failed (' + response.status + ').', response.status, data && data.errors);
    }
    return data;
  }

  const campaignPath = (id) => '/api/admin/campaigns/' + encodeURIComponent(id);
  const current = () => st.campaigns.find((c) => c.id === st.selected) || null;

  // ---- key ----

  async function signIn(key) {
    st.key = key;
    try {
      await refreshList();
    } catch (error) {
      if (error.status !== 401) {
        show('key');
        $('key-error').textContent = error.message;
      }
      return;
    }
    sessionStorage.setItem(storageKey, key);
    $('key-error').textContent = '';
    show('dashboard');
    status('Connected');
    renderSelected(true);
    refreshAudit().catch(report);
    if (!st.started) {
      st.started = true;
      every(1000, refreshMetrics);
      every(5000, refreshList);
      every(4000, refreshAudit);
    }
  }

  function signOut(message) {
    st.key = null;
    sessionStorage.removeItem(storageKey);
    $('key').value = '';
    $('key-error').textContent = message || '';
    status('');
    show('key');
    $('key').focus();
  }

  // Each loop waits for its own answer before the next turn, so a slow API never has requests piling up.
  function every(ms, work) {
    const turn = async () => {
      if (st.key && document.body.dataset.view === 'dashboard') {
        try {
          await work();
        } catch (error) {
          report(error);
        }
      }
      setTimeout(turn, ms);
    };
    setTimeout(turn, ms);
  }

  // ---- campaigns ----

  async function refreshList() {
    st.campaigns = await api('GET', '/api/admin/campaigns');
    renderList();
    renderSelected(false);
  }

  function renderList() {
    const showPast = $('show-past').checked;
    const shown = st.campaigns
      .filter((c) => showPast || changeable.has(c.state) || c.id === st.selected)
      .sort((a, b) => rank[a.state] - rank[b.state]
        || (rank[a.state] >= rank.ended ? -1 : 1) * (Date.parse(a.startsAt) - Date.parse(b.startsAt)));
    // Rebuilt only when something shown changed, so a click or focus is not lost to a refresh.
    const signature = JSON.stringify([st.selected, shown.map((c) => [c.id, c.name, c.state, c.startsAt])]);
    $('no-campaigns').hidden = st.campaigns.length > 0;
    if (signature === st.rendered.list) return;
    st.rendered.list = signature;
    $('campaigns').replaceChildren(...shown.map((c) => {
      const button = element('button');
      button.type = 'button';
      button.dataset.id = c.id;
      button.setAttribute('aria-current', String(c.id === st.selected));
      button.append(element('span', 'name', c.name), element('span', 'when', when.format(new Date(c.startsAt))), badge(element('span'), c.state));
      button.addEventListener('click', () => select(c.id));
      const item = element('li');
      item.append(button);
      return item;
    }));
  }

  function select(id) {
    st.selected = id;
    history.replaceState(null, '', '#' + encodeURIComponent(id));
    clearErrors($('admission-form'));
    for (const value of document.querySelectorAll('[data-metric]')) value.textContent = '–';
    $('metrics-time').textContent = '';
    renderList();
    renderSelected(true);
    refreshMetrics().catch(report);
    refreshAudit().catch(report);
  }

  function couponText(coupon) {
    const value = coupon.kind === 'percent' ? coupon.value + '% off' : coupon.value + ' off';
    return coupon.maxDiscount ? value + ', at most ' + coupon.maxDiscount : value;
  }

  /** With fill, the controls take the campaign's settings; without, what the marketer is typing stays. */
  function renderSelected(fill) {
    const c = current();
    $('no-selection').hidden = Boolean(c);
    $('selected').hidden = !c;
    if (!c) return;
    $('c-name').textContent = c.name;
    badge($('c-state'), c.state);
    $('c-window').textContent = 'Starts ' + when.format(new Date(c.startsAt)) + ' · ends ' + when.format(new Date(c.endsAt));
    $('c-page').href = '/c/' + encodeURIComponent(c.id);
    $('c-coupon').textContent = couponText(c.coupon) + ' · ' + c.id;
    $('c-paused').hidden = !c.admission.paused;
    $('pause').hidden = c.admission.paused;
    $('resume').hidden = !c.admission.paused;
    for (const control of $('admission-form').querySelectorAll('input, button')) control.disabled = !changeable.has(c.state);
    if (fill) {
      $('rate').value = c.admission.ratePerSecond;
      $('max-active').value = c.admission.maxActive ?? '';
    }
  }

  async function refreshMetrics() {
    const id = st.selected;
    if (!id) return;
    const metrics = await api('GET', campaignPath(id) + '/metrics');
    if (id !== st.selected) return;
    for (const value of document.querySelectorAll('[data-metric]')) {
      const name = value.dataset.metric;
      value.textContent = name === 'claimsPerSecond' ? tenths.format(metrics[name]) : whole.format(metrics[name]);
    }
    $('metrics-time').textContent = 'Updated ' + new Date().toLocaleTimeString();
    if ($('status').classList.contains('bad')) status('Connected');
  }

  // ---- audit ----

  async function refreshAudit() {
    const all = $('audit-all').checked || !st.selected;
    const entries = await api('GET', '/api/admin/audit?limit=50' + (all ? '' : '&campaignId=' + encodeURIComponent(st.selected)));
    const signature = JSON.stringify([all, entries.map((e) => e.id)]);
    $('no-audit').hidden = entries.length > 0;
    if (signature === st.rendered.audit) return;
    st.rendered.audit = signature;
    const names = new Map(st.campaigns.map((c) => [c.id, c.name]));
    $('audit').replaceChildren(...entries.map((entry) => {
      const item = element('li');
      item.dataset.action = entry.action;
      const head = element('div', 'head');
      head.append(
        element('time', '', when.format(new Date(entry.at))),
        element('span', 'action', entry.action),
        element('span', '', 'by ' + entry.actor));
      if (entry.campaignId) head.append(element('span', 'muted', names.get(entry.campaignId) || entry.campaignId));
      item.append(head, element('code', '', describe(entry.details)));
      return item;
    }));
  }

  function flatten(value, prefix = '', into = new Map()) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [name, inner] of Object.entries(value)) flatten(inner, prefix ? prefix + '.' + name : name, into);
    } else {
      into.set(prefix, value);
    }
    return into;
  }

  /** One line a setting: "field: old → new" for a change with before and after, "field: value" otherwise. */
  function describe(details) {
    const text = (value) => (value === undefined || value === null ? 'none' : JSON.stringify(value));
    if (details && details.before && details.after) {
      const before = flatten(details.before);
      const after = flatten(details.after);
      return [...new Set([...before.keys(), ...after.keys()])]
        .filter((name) => text(before.get(name)) !== text(after.get(name)))
        .map((name) => name + ': ' + text(before.get(name)) + ' → ' + text(after.get(name)))
        .join('\n');
    }
    return [...flatten(details)].filter(([, value]) => value !== null).map(([name, value]) => name + ': ' + text(value)).join('\n');
  }

  // ---- forms ----

  function clearErrors(form) {
    for (const slot of form.querySelectorAll('.field-error, .form-error')) slot.textContent = '';
    for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  }

  /** problem+json: each field's errors beside its input; the detail, and errors of fields the form lacks, at the foot. */
  function showErrors(form, error) {
    clearErrors(form);
    const elsewhere = [];
    for (const [field, messages] of Object.entries(error.errors)) {
      const slot = form.querySelector('[data-error-for="' + CSS.escape(field) + '"]');
      if (slot) {
        slot.textContent = messages.join(' ');
        form.elements.namedItem(field)?.setAttribute('aria-invalid', 'true');
      } else {
        elsewhere.push(field + ': ' + messages.join(' '));
      }
    }
    form.querySelector('.form-error').textContent = [error.message, ...elsewhere].join(' ');
  }

  async function act(form, work) {
    if (form.dataset.busy) return;
    form.dataset.busy = '1';
    clearErrors(form);
    try {
      await work();
    } catch (error) {
      if (error.status !== 401) showErrors(form, error);
    } finally {
      delete form.dataset.busy;
    }
  }

  /** The inputs named by their field's path ("coupon.value") as the API's body; an empty input is left out for the API to judge. */
  function formBody(form) {
    const body = {};
    for (const input of form.querySelectorAll('input[name], select[name]')) {
      const path = input.name.split('.');
      let target = body;
      for (const part of path.slice(0, -1)) target = target[part] ??= {};
      if (input.value === '') continue;
      let value = input.value;
      if (input.type === 'number') value = Number(value);
      if (input.type === 'datetime-local' && !Number.isNaN(Date.parse(value))) value = new Date(value).toISOString();
      target[path.at(-1)] = value;
    }
    return body;
  }

  function defaultStart() {
    const at = new Date(Date.now() + 10 * 60000);
    at.setSeconds(0, 0);
    const local = new Date(at.getTime() - at.getTimezoneOffset() * 60000);
    $('create-form').elements.namedItem('startsAt').value = local.toISOString().slice(0, 16);
  }

  async function setAdmission(settings, done) {
    const c = current();
    await api('PUT', campaignPath(c.id) + '/admission', {
      ratePerSecond: c.admission.ratePerSecond, paused: c.admission.paused, maxActive: c.admission.maxActive, ...settings,
    });
    await refreshList();
    renderSelected(true);
    status(done);
    await refreshAudit();
  }

  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    signIn($('key').value.trim());
  });

  $('sign-out').addEventListener('click', () => signOut(''));

  $('admission-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const number = (input) => (input.value === '' ? null : Number(input.value));
    act(event.currentTarget, () => setAdmission({ ratePerSecond: number($('rate')), maxActive: number($('max-active')) }, 'Admission updated'));
  });

  $('pause').addEventListener('click', () => act($('admission-form'), () => setAdmission({ paused: true }, 'Admission paused')));
  $('resume').addEventListener('click', () => act($('admission-form'), () => setAdmission({ paused: false }, 'Admission resumed')));

  $('cancel-campaign').addEventListener('click', () => {
    const c = current();
    if (!c || !confirm('Cancel "' + c.name + '"? Everyone waiting is told at once, and this cannot be undone.')) return;
    act($('admission-form'), async () => {
      await api('POST', campaignPath(c.id) + '/cancel', {});
      await refreshList();
      status('Cancelled ' + c.name);
      await refreshAudit();
    });
  });

  $('create-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    act(form, async () => {
      const created = await api('POST', '/api/admin/campaigns', formBody(form));
      form.reset();
      defaultStart();
      await refreshList();
      select(created.id);
      status('Created ' + created.name);
    });
  });

  $('show-past').addEventListener('change', renderList);
  $('audit-all').addEventListener('change', () => refreshAudit().catch(report));
  window.addEventListener('hashchange', () => {
    const id = decodeURIComponent(location.hash.slice(1));
    if (id && id !== st.selected) select(id);
  });

  defaultStart();
  if (st.key) {
    signIn(st.key);
  } else {
    show('key');
  }
})();
