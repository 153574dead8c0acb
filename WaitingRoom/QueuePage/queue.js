// The waiting room page: countdown on the server's clock, place in line from the broadcast cursor, live stock,
// the claim once admitted. Live updates come over Server-Sent Events; without them it polls, with jittered waits,
// so two million pages never retry in step.
(() => {
  'use strict';

  const id = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] || '');
  const api = '/api/campaigns/' + encodeURIComponent(id);
  const forcePoll = new URLSearchParams(location.search).get('transport') === 'poll';
  // Sold out is not among them: a coupon given back reopens the line, and the stream says so.
  const final = new Set(['won', 'ended', 'error']);
  const $ = (name) => document.getElementById(name);

  const st = {
    offset: 0, campaign: null, session: null, view: 'loading',
    rank: null, served: 0, rate: 0, paused: false, token: null,
    es: null, polling: false, rankPending: false,
  };

  const serverNow = () => Date.now() + st.offset;
  const jitter = (ms) => ms * (0.5 + Math.random());
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function show(view) {
    if (final.has(st.view) && view !== st.view && st.view !== 'error') return;
    st.view = view;
    document.body.dataset.view = view;
    for (const section of document.querySelectorAll('section[data-for]')) {
      section.hidden = section.dataset.for !== view;
    }
    // Once the shopper has a coupon, or the sale is over, the stock line would only be a stale number.
    if (view === 'won' || view === 'ended') $('stock').hidden = true;
    if (final.has(view)) stopLive();
  }

  function fail(message) {
    $('error').textContent = message;
    show('error');
  }

  // fetch with patience: network errors, 429 and 5xx are retried with jittered exponential waits (or Retry-After).
  async function call(method, path, bearer, attempts = 6) {
    for (let attempt = 0; ; attempt++) {
      let response = null;
      try {
        response = await fetch(path, { method, headers: bearer ? { Authorization: 'Bearer ' + bearer } : {}, cache: 'no-store' });
      } catch { /* offline or reset: retried below */ }
      const retryable = !response || response.status === 429 || response.status >= 500;
      if (!retryable) return response;
      if (attempt + 1 >= attempts) {
        if (response) return response;
        throw new Error('The sale cannot be reached right now.');
      }
      const after = response && Number(response.headers.get('Retry-After'));
      await sleep(after ? after * 1000 * (1 + Math.random() / 2) : jitter(Math.min(30000, 500 * 2 ** attempt)));
    }
  }

  const json = async (response) => { try { return await response.json(); } catch { return {}; } };

  // Locally the page signs itself in through the Development-only session endpoint, as a random shopper it remembers.
  async function signIn() {
    const saved = JSON.parse(localStorage.getItem('flashsale.session') || 'null');
    if (saved && Date.parse(saved.expiresAt) - Date.now() > 60000) return saved.token;
    let userId = localStorage.getItem('flashsale.userId');
    if (!userId) {
      const bytes = crypto.getRandomValues(new Uint8Array(8));
      userId = 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      localStorage.setItem('flashsale.userId', userId);
    }
    const response = await fetch('/api/dev/sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId, deviceId: userId }),
    });
    if (response.status === 404 || response.status === 405) return null;
    if (!response.ok) throw new Error('Signing in failed (' + response.status + ').');
    const body = await response.json();
    localStorage.setItem('flashsale.session', JSON.stringify({ token: body.token, expiresAt: body.expiresAt }));
    return body.token;
  }

  function applyCampaign(c) {
    st.campaign = { ...(st.campaign || {}), ...c };
    $('name').textContent = c.name;
    document.title = c.name + ' · FlashSale';
    if (c.remaining !== undefined) showRemaining(c.remaining, c.remaining < 100);
    applyState(c.state);
  }

  function applyState(state) {
    st.campaign.state = state;
    if (state === 'soldout') return show('soldout');
    if (state === 'ended' || state === 'cancelled') {
      $('ended-note').textContent = state === 'cancelled' ? 'The sale was called off.' : 'The sale has ended.';
      return show('ended');
    }
    if (state === 'scheduled') return show('countdown');
    if (state === 'live' && st.view === 'soldout') {
      // Reopened: the queue says whether our turn already came (and hands a fresh token) or where we are.
      st.rank = null;
      show('waiting');
      return learnRank();
    }
    if (state === 'live' && (st.view === 'countdown' || st.view === 'loading')) {
      show('waiting');
      learnRank();
    }
  }

  function showRemaining(remaining, exact) {
    const stock = $('stock');
    stock.hidden = st.view === 'won' || st.view === 'ended';
    stock.classList.toggle('low', exact);
    $('remaining').textContent = remaining === 0 ? 'None left'
      : exact ? remaining + ' left' : 'About ' + remaining.toLocaleString() + ' left';
  }

  function applyStatus(s) {
    switch (s.status) {
      case 'prequeue': return show('countdown');
      case 'waiting':
        if (st.view === 'admitted') return;
        st.rank = s.rank;
        show('waiting');
        return renderPosition();
      case 'admitted':
        if (s.rank) st.rank = s.rank;
        if (s.admissionToken) return admitted(s.admissionToken);
        return;
      case 'soldout': return show('soldout');
      case 'ended': return applyState('ended');
      case 'not-in-queue': return join();
    }
  }

  // After the start every place is fixed; the page asks once (spread over a second) and the cursor does the rest.
  async function learnRank() {
    if (st.rankPending || st.rank !== null) return;
    st.rankPending = true;
    await sleep(Math.random() * 1000);
    try {
      const response = await call('GET', api + '/queue', st.session);
      if (response.ok) applyStatus(await json(response));
    } finally {
      st.rankPending = false;
    }
  }

  async function join() {
    const response = await call('POST', api + '/queue', st.session);
    if (response.status === 202) return applyStatus(await json(response));
    if (response.status === 410) return show('soldout');
    if (response.status === 409) return applyState('ended');
    if (response.status === 401) {
      localStorage.removeItem('flashsale.session');
      return fail('Your session has expired; reload the page.');
    }
    fail((await json(response)).detail || 'Joining the line failed.');
  }

  function admitted(token) {
    st.token = token;
    if (st.view !== 'admitted') {
      show('admitted');
      $('claim').disabled = false;
    }
  }

  async function claim() {
    const button = $('claim');
    button.disabled = true;
    button.textContent = 'Claiming…';
    try {
      let response = await call('POST', api + '/claims', st.token, 4);
      if (response.status === 401) {
        // The admission token lapsed: the queue hands out a fresh one while the turn is still ours.
        const status = await json(await call('GET', api + '/queue', st.session));
        if (status.admissionToken) {
          st.token = status.admissionToken;
          response = await call('POST', api + '/claims', st.token, 4);
        }
      }
      const body = await json(response);
      if (response.status === 201 || response.status === 200) return won(body);
      if (response.status === 410) return show('soldout');
      if (response.status === 409) return applyState('ended');
      $('claim-note').textContent = body.detail || 'The claim did not go through; try again.';
    } catch (e) {
      $('claim-note').textContent = e.message;
    }
    button.disabled = false;
    button.textContent = 'Claim my coupon';
  }

  function won(coupon) {
    $('coupon').textContent = coupon.couponCode;
    if (coupon.expiresAt) $('coupon-note').textContent = 'Enter this code at checkout before ' + new Date(coupon.expiresAt).toLocaleString() + '.';
    show('won');
  }

  // A shopper who already won and reloads sees the coupon again rather than the line.
  async function alreadyWon() {
    const response = await call('GET', '/api/me/coupons', st.session, 2);
    if (!response.ok) return false;
    const mine = (await json(response)).find?.((c) => c.campaignId === id);
    if (mine) won(mine);
    return Boolean(mine);
  }

  function renderPosition() {
    if (st.view !== 'waiting' || st.rank === null) return;
    const ahead = Math.max(0, st.rank - st.served);
    $('position').textContent = ahead > 0 ? ahead.toLocaleString() : 'Next';
    $('progress').style.width = Math.min(100, (100 * st.served) / st.rank).toFixed(1) + '%';
    $('eta').textContent = st.paused ? 'Admission is paused for a moment; your place is kept.'
      : ahead === 0 ? 'Your turn is coming up…'
      : st.rate > 0 ? 'About ' + wait(ahead / st.rate) + ' to go.' : 'Waiting for the line to move.';
  }

  function wait(seconds) {
    if (seconds < 60) return Math.max(1, Math.round(seconds)) + ' s';
    if (seconds < 3600) return Math.round(seconds / 60) + ' min';
    return (seconds / 3600).toFixed(1) + ' h';
  }

  function renderCountdown() {
    if (st.view !== 'countdown' || !st.campaign) return;
    const ms = Date.parse(st.campaign.startsAt) - serverNow();
    if (ms <= 0) {
      $('countdown').textContent = 'Opening…';
      return;
    }
    const s = Math.ceil(ms / 1000);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    const two = (n) => String(n).padStart(2, '0');
    $('countdown').textContent = h > 0 ? h + ':' + two(m) + ':' + two(sec) : m + ':' + two(sec);
  }

  function connection(text) {
    $('connection').textContent = text;
  }

  function listen() {
    if (final.has(st.view)) return;
    if (forcePoll || !('EventSource' in window)) return startPolling();
    const es = new EventSource(api + '/events?access_token=' + encodeURIComponent(st.session));
    st.es = es;
    let failures = 0;
    const on = (type, handle) => es.addEventListener(type, (e) => handle(JSON.parse(e.data)));
    es.onopen = () => {
      failures = 0;
      st.polling = false;
      connection('Live');
    };
    on('state', (s) => {
      st.offset = Date.parse(s.serverTime) - Date.now();
      applyCampaign(s);
    });
    on('cursor', (c) => {
      Object.assign(st, { served: c.served, rate: c.rate, paused: c.paused });
      if (st.view === 'waiting' && st.rank === null) learnRank();
      renderPosition();
    });
    on('inventory', (i) => showRemaining(i.remaining, i.exact));
    on('admitted', (a) => {
      if (a.rank) st.rank = a.rank;
      admitted(a.admissionToken);
    });
    on('soldout', () => show('soldout'));
    es.onerror = () => {
      // The browser reconnects by itself, at the server's jittered retry interval. If it gave up (an error answer)
      // or keeps failing, poll instead and try the stream again later.
      if (es.readyState === EventSource.CLOSED || ++failures >= 3) {
        es.close();
        st.es = null;
        startPolling();
        if (!final.has(st.view)) setTimeout(listen, jitter(30000));
      } else {
        connection('Reconnecting…');
      }
    };
  }

  async function startPolling() {
    if (st.polling) return;
    st.polling = true;
    connection('Updating every few seconds');
    while (st.polling && !st.es && !final.has(st.view)) {
      try {
        const t0 = Date.now();
        const c = await call('GET', api);
        if (c.ok) {
          const body = await json(c);
          st.offset = Date.parse(body.serverTime) - (t0 + Date.now()) / 2;
          applyCampaign(body);
        }
        if (st.campaign && st.campaign.state === 'live' && !final.has(st.view)) {
          const q = await call('GET', api + '/queue', st.session);
          if (q.ok) applyStatus(await json(q));
        }
      } catch (e) {
        connection(e.message);
      }
      const untilStart = st.campaign ? Date.parse(st.campaign.startsAt) - serverNow() : 0;
      await sleep(untilStart > 10000 ? jitter(Math.min(10000, untilStart / 2)) : jitter(2000));
    }
    st.polling = false;
  }

  function stopLive() {
    st.polling = false;
    if (st.es) {
      st.es.close();
      st.es = null;
    }
    connection('');
  }

  async function main() {
    if (!id) return fail('This address names no sale.');
    $('claim').addEventListener('click', claim);
    setInterval(renderCountdown, 250);
    try {
      st.session = await signIn();
      if (!st.session) {
        return fail('Signing in is done by the shop. This local page signs you in by itself only when the edge runs in Development.');
      }
      const t0 = Date.now();
      const response = await call('GET', api);
      if (response.status === 404) return fail('There is no sale at this address.');
      if (!response.ok) return fail('The sale cannot be loaded right now (' + response.status + ').');
      const c = await json(response);
      st.offset = Date.parse(c.serverTime) - (t0 + Date.now()) / 2;
      $('name').textContent = c.name;
      if (c.state !== 'scheduled' && await alreadyWon()) return;
      applyCampaign(c);
      renderCountdown();
      if (c.state === 'scheduled' || c.state === 'live') await join();
      listen();
    } catch (e) {
      fail(e.message);
    }
  }

  main();
})();
