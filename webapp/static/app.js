// The Mini App: the account's numbers, searched as you type, scrolled without end; a card, an add form, and a
// select mode to delete many. It works without telegram-web-app.js too (then with the page's own buttons).
(() => {
  'use strict';
  const tg = (window.Telegram && window.Telegram.WebApp) || null;
  const initData = (tg && tg.initData) || '';
  const user = (tg && tg.initDataUnsafe && tg.initDataUnsafe.user) || null;
  const ALL = JSON.parse(document.getElementById('texts').textContent);
  const english = /^en/i.test((user && user.language_code) || '');
  const T = english ? ALL.en : ALL.ru;
  const locale = english ? 'en-GB' : 'ru-RU';
  const PAGE = 50, BULK = 200, POLL = 1500, POLL_MAX = 15000, DEBOUNCE = 300;
  const $ = (id) => document.getElementById(id);
  const say = (key, values) => T[key].replace(/\{(\w+)\}/g, (_, name) => String(values[name]));

  const state = { q: '', items: [], next: '', total: null, loading: false, seq: 0, selecting: false,
                  chosen: new Set(), open: null, retry: null, job: null };

  // -- Telegram's side, when it is there ------------------------------------------------------------------
  const main = tg && tg.MainButton, back = tg && tg.BackButton;
  function theme() {
    const p = (tg && tg.themeParams) || {};
    const root = document.documentElement;
    const dark = tg ? tg.colorScheme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
    root.classList.toggle('dark', dark);
    const map = { bg_color: '--bg', text_color: '--text', hint_color: '--hint', link_color: '--link',
                  button_color: '--button', button_text_color: '--button-text', secondary_bg_color: '--secondary-bg',
                  destructive_text_color: '--danger', section_bg_color: '--section-bg' };
    for (const [key, name] of Object.entries(map)) {
      const value = p[key] || (key === 'section_bg_color' && p.bg_color);  // older clients send no section colour
      if (value) root.style.setProperty(name, value); else root.style.removeProperty(name);
    }
  }
  function confirmed(text, then) {
    if (tg && tg.showConfirm) tg.showConfirm(text, (ok) => { if (ok) then(); });
    else if (window.confirm(text)) then();
  }
  function haptic(kind) {
    try { if (tg && tg.HapticFeedback) tg.HapticFeedback.notificationOccurred(kind); } catch (e) { /* older clients */ }
  }

  // -- the API ------------------------------------------------------------------------------------------
  class Failure extends Error {
    constructor(status, message, data) { super(message); this.status = status; this.data = data || {}; }
  }
  async function api(method, path, body, headers) {
    const options = { method, headers: { Authorization: 'tma ' + initData, ...(headers || {}) } };
    if (body !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    let response;
    try { response = await fetch('api/' + path, options); } catch (e) { throw new Failure(0, T.offline); }
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (response.ok) return data;
    const known = { 401: T.expired, 429: T.slow_down };
    throw new Failure(response.status, known[response.status] || (data && data.error) || T.failed, data);
  }

  // -- what is shown ------------------------------------------------------------------------------------
  function pretty(phone) {
    const d = String(phone || '').replace(/\D/g, '');
    if (d.length === 11 && d[0] === '7') return `+7 ${d.slice(1, 4)} ${d.slice(4, 7)}-${d.slice(7, 9)}-${d.slice(9)}`;
    return d ? '+' + d : '';
  }
  function when(iso, withTime) {
    if (!iso) return '';
    const date = new Date(iso);
    if (isNaN(date)) return '';
    return withTime ? date.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' })
      : date.toLocaleDateString(locale, { dateStyle: 'medium' });
  }
  function notice(text, retry) {
    state.retry = retry || null;
    $('notice-text').textContent = text || '';
    $('notice-retry').hidden = !retry;
    $('notice').hidden = !text;
  }
  let toastTimer = 0;
  function toast(text) {
    const box = $('toast');
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, 2500);
  }
  function status(screen) {
    if (state.total === null) { $('status').textContent = ''; return; }
    let line = state.q ? say('found', { count: state.total }) : say('count', { count: state.total });
    if (screen && !screen.complete && screen.of) line += ' · ' + say('loading_copy', { loaded: screen.loaded, total: screen.of });
    $('status').textContent = line;
  }
  function row(number) {
    const li = document.createElement('li');
    li.className = 'row' + (state.chosen.has(number.id) ? ' chosen' : '');
    li.dataset.id = number.id;
    if (state.selecting) li.append(Object.assign(document.createElement('span'), { className: 'tick' }));
    const main = Object.assign(document.createElement('div'), { className: 'main' });
    main.append(Object.assign(document.createElement('div'), { className: 'phone', textContent: pretty(number.phoneX) }));
    const sub = [pretty(number.phoneB), number.description || T.no_description].join(' · ');
    main.append(Object.assign(document.createElement('div'), { className: 'sub', textContent: sub }));
    li.append(main);
    if (number.expires_at) li.append(Object.assign(document.createElement('span'), { className: 'clock', textContent: '⏳' }));
    return li;
  }
  function render() {
    const list = $('list');
    list.replaceChildren(...state.items.map(row));
    $('sentinel').textContent = state.next !== null && state.items.length ? T.more : '';
    if (!state.items.length && state.total === 0) $('sentinel').textContent = state.q ? T.nothing : T.empty;
    buttons();
  }

  // -- the list: search as you type, scroll without end ----------------------------------------------------
  async function load(reset) {
    if (reset) { state.seq += 1; state.next = ''; state.loading = false; }
    if (state.loading || state.next === null) return;
    const seq = state.seq;
    state.loading = true;
    const query = new URLSearchParams({ q: state.q, limit: String(PAGE), offset: state.next });
    try {
      const screen = await api('GET', 'numbers?' + query);
      if (seq !== state.seq) return;
      state.items = reset ? screen.items : state.items.concat(screen.items);
      state.next = screen.next_offset;
      if (screen.total !== null) state.total = screen.total;  // counted with the first screen only
      notice('');
      status(screen);
      render();
      if (reset) window.scrollTo(0, 0);
    } catch (failure) {
      if (seq !== state.seq) return;
      notice(failure.message, () => load(reset));
    } finally {
      if (seq === state.seq) state.loading = false;
    }
    if (seq === state.seq) moreIfVisible();
  }
  function moreIfVisible() {
    if (state.next !== null && !state.loading && $('sentinel').getBoundingClientRect().top < innerHeight + 400) load(false);
  }
  let typing = 0;
  $('search').addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      const q = $('search').value.trim();
      if (q === state.q) return;
      state.q = q;
      load(true);
    }, DEBOUNCE);
  });
  $('search').addEventListener('keydown', (event) => { if (event.key === 'Enter') $('search').blur(); });
  if ('IntersectionObserver' in window) {
    new IntersectionObserver((seen) => { if (seen.some((e) => e.isIntersecting)) moreIfVisible(); },
      { rootMargin: '400px' }).observe($('sentinel'));
  }
  addEventListener('scroll', moreIfVisible, { passive: true });
  $('notice-retry').addEventListener('click', () => { const again = state.retry; notice(''); if (again) again(); });

  // -- a card ---------------------------------------------------------------------------------------------
  $('list').addEventListener('click', (event) => {
    const li = event.target.closest('.row');
    if (!li) return;
    const number = state.items.find((n) => String(n.id) === li.dataset.id);
    if (!number) return;
    if (state.selecting) {
      if (state.chosen.has(number.id)) state.chosen.delete(number.id); else state.chosen.add(number.id);
      li.classList.toggle('chosen', state.chosen.has(number.id));
      buttons();
    } else {
      openCard(number);
    }
  });
  function openCard(number) {
    state.open = number;
    $('card-phone-x').textContent = pretty(number.phoneX);
    $('card-phone-b').textContent = pretty(number.phoneB);
    $('card-phone-b').href = 'tel:+' + String(number.phoneB).replace(/\D/g, '');
    $('card-description').textContent = number.description || T.no_description;
    const dates = [];
    if (number.created_at) dates.push(T.created + ': ' + when(number.created_at));
    if (number.expires_at) dates.push('⏳ ' + T.expires + ': ' + when(number.expires_at, true));
    $('card-dates').textContent = dates.join(' · ');
    $('card-call').href = 'tel:+' + String(number.phoneX).replace(/\D/g, '');
    show('card');
  }
  async function copy(text) {
    try { await navigator.clipboard.writeText(text); } catch (e) {
      const area = Object.assign(document.createElement('textarea'), { value: text });
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    toast(T.copied);
  }
  $('card-copy').addEventListener('click', () => state.open && copy(pretty(state.open.phoneX)));
  $('card-share').addEventListener('click', () => {
    const number = state.open;
    if (!number) return;
    const digits = String(number.phoneX).replace(/\D/g, '');
    if (tg && tg.switchInlineQuery) {
      try { tg.switchInlineQuery(digits, ['users', 'groups', 'chats']); return; } catch (e) { /* inline mode off */ }
    }
    if (navigator.share) navigator.share({ text: pretty(number.phoneX) + ' — ' + (number.description || '') }).catch(() => {});
    else copy(pretty(number.phoneX));
  });
  $('card-delete').addEventListener('click', () => {
    const number = state.open;
    if (!number) return;
    confirmed(say('delete_confirm', { phone: pretty(number.phoneX) }), () => remove(number));
  });
  async function remove(number) {
    try {
      await api('DELETE', 'numbers/' + number.id);
    } catch (failure) {
      if (failure.status !== 404) { notice(failure.message, () => remove(number)); return; }
    }
    forget([number.id]);
    hide('card');
    haptic('success');
    toast(T.deleted);
  }
  function forget(ids) {
    const gone = new Set(ids);
    const before = state.items.length;
    state.items = state.items.filter((n) => !gone.has(n.id));
    if (state.total !== null) state.total = Math.max(0, state.total - (before - state.items.length));
    for (const id of ids) state.chosen.delete(id);
    status();
    render();
    moreIfVisible();
  }

  // -- adding ---------------------------------------------------------------------------------------------
  let attempt = null;  // one Idempotency-Key per press: a retry of the same press sends the same key
  function phoneCheck() {
    const typed = $('add-phone').value.trim();
    const digits = typed.replace(/\D/g, '');
    const wellFormed = /^\+?[\d\s\-().]+$/.test(typed) && digits.length >= 10 && digits.length <= 15;
    const box = $('add-phone-check');
    box.textContent = typed ? (wellFormed ? T.phone_ok : T.phone_bad) : T.phone_hint;
    box.classList.toggle('bad', Boolean(typed) && !wellFormed);
    return wellFormed;
  }
  $('add-phone').addEventListener('input', () => { attempt = null; phoneCheck(); $('add-error').textContent = ''; });
  for (const id of ['add-description', 'add-ttl']) $(id).addEventListener('input', () => { attempt = null; });
  $('add-open').addEventListener('click', () => {
    $('add-form').reset();
    attempt = null;
    $('add-error').textContent = '';
    phoneCheck();
    show('add');
    $('add-phone').focus();
  });
  $('add-form').addEventListener('submit', (event) => { event.preventDefault(); submit(); });
  async function submit(confirm) {
    if (!confirm && !phoneCheck()) { $('add-phone').focus(); return; }
    const body = confirm ? { confirm } : { phone: $('add-phone').value.trim(), description: $('add-description').value,
                                           ttl: $('add-ttl').value || null };
    if (!attempt || confirm) attempt = newKey();
    busy(true);
    try {
      const created = await api('POST', 'numbers', body, { 'Idempotency-Key': attempt });
      attempt = null;
      hide('add');
      haptic('success');
      toast(created.item ? say('created_ok', { phone: pretty(created.item.phoneX) }) : T.failed);
      load(true);
    } catch (failure) {
      if (failure.status === 409 && failure.data.confirm) {
        confirmed(say('duplicate', { count: (failure.data.duplicates || []).length }), () => submit(failure.data.confirm));
      } else {
        if (failure.status === 409 && failure.data.outcome === 'unknown') attempt = null;  // lost in a restart: a next press is new
        $('add-error').textContent = failure.message;
        haptic('error');
      }
    } finally {
      busy(false);
    }
  }
  function busy(on) {
    $('add-submit').disabled = on;
    if (main) { if (on) main.showProgress && main.showProgress(); else main.hideProgress && main.hideProgress(); }
  }

  // -- selecting many -------------------------------------------------------------------------------------
  $('select-toggle').addEventListener('click', () => selecting(!state.selecting));
  function selecting(on) {
    state.selecting = on;
    state.chosen.clear();
    render();
  }
  $('delete-selected').addEventListener('click', deleteChosen);
  function deleteChosen() {
    const ids = [...state.chosen];
    if (!ids.length) return;
    confirmed(say('delete_many_confirm', { count: ids.length }), () => removeMany(ids));
  }
  // a delete of many is a job on the server (paced as Plusofon allows): started, then followed until it ends;
  // more than BULK numbers go as several jobs, one after the other. `done`: numbers gone so far.
  async function removeMany(ids, key, done = 0) {
    const part = ids.slice(0, BULK), rest = ids.slice(BULK);
    key = key || newKey();
    $('status').textContent = say('deleting', { done, count: done + ids.length });
    let started;
    try {
      started = await api('POST', 'numbers/delete', { ids: part }, { 'Idempotency-Key': key });
    } catch (failure) {
      // the same key: a retry starts no second job (unless that key's first answer was lost in a restart)
      const again = failure.status === 409 && failure.data.outcome === 'unknown' ? null : key;
      notice(failure.message, () => removeMany(ids, again, done));
      return;
    }
    forget(started.missing);
    const none = { finished: true, total: 0, left: 0, deleted: [], failed: [], stopped: [] };
    await follow(started.job || none, rest, done + started.missing.length);
  }
  async function follow(job, rest, done) {
    let wait = POLL, left = job.left;
    state.job = job.id;
    for (;;) {
      forget(job.deleted);
      $('status').textContent = say('deleting', { done: done + job.total - job.left, count: done + job.total + rest.length });
      $('job-stop').hidden = job.finished || job.state !== 'running';
      if (job.finished) break;
      wait = job.left === left ? Math.min(wait * 1.5, POLL_MAX) : POLL;  // a job that waits is asked less often
      left = job.left;
      await new Promise((resolve) => setTimeout(resolve, wait));
      try {
        job = await api('GET', 'jobs/' + job.id);
      } catch (failure) {
        notice(failure.message, () => follow(job, rest, done));
        return;
      }
    }
    state.job = null;
    done += job.deleted.length;
    status();
    if (job.failed.length) {
      notice(say('delete_failed', { count: job.failed.length, reason: job.failed[0].error }));
      haptic('error');
    } else if (job.stopped.length) {
      toast(say('delete_stopped', { count: done }));
    } else if (rest.length) {
      removeMany(rest, null, done);
    } else {
      haptic('success');
      toast(say('deleted_many', { count: done }));
      selecting(false);
    }
  }
  $('job-stop').addEventListener('click', async () => {
    if (!state.job) return;
    $('job-stop').hidden = true;
    try { await api('POST', 'jobs/' + state.job + '/stop'); } catch (failure) { toast(failure.message); }
  });
  function newKey() { return (crypto.randomUUID && crypto.randomUUID()) || String(Math.random()).slice(2); }

  // -- sheets, the main button and the back button --------------------------------------------------------
  function show(id) { $(id).hidden = false; buttons(); }
  function hide(id) { $(id).hidden = true; if (id === 'card') state.open = null; buttons(); }
  function top() { return !$('add').hidden ? 'add' : !$('card').hidden ? 'card' : null; }
  for (const close of document.querySelectorAll('[data-close]')) close.addEventListener('click', () => hide(close.closest('.sheet').id));
  for (const sheet of document.querySelectorAll('.sheet')) {
    sheet.addEventListener('click', (event) => { if (event.target === sheet) hide(sheet.id); });
  }
  function goBack() {
    const open = top();
    if (open) hide(open); else if (state.selecting) selecting(false);
  }
  function mainPressed() {
    if (top() === 'add') submit(); else if (state.selecting) deleteChosen();
  }
  function buttons() {
    const open = top();
    $('select-toggle').textContent = state.selecting ? T.cancel : T.select;
    $('select-bar').hidden = !state.selecting || Boolean(open);
    $('add-open').hidden = state.selecting || Boolean(open);
    $('selected-count').textContent = say('selected', { count: state.chosen.size });
    $('delete-selected').textContent = say('delete_selected', { count: state.chosen.size });
    $('delete-selected').disabled = !state.chosen.size;
    if (back) { if (open || state.selecting) back.show(); else back.hide(); }
    if (main) {
      if (open === 'add') { main.setText(T.create); main.show(); main.enable && main.enable(); }
      else if (!open && state.selecting && state.chosen.size) { main.setText(say('delete_selected', { count: state.chosen.size })); main.show(); }
      else main.hide();
    }
  }
  addEventListener('keydown', (event) => { if (event.key === 'Escape') goBack(); });

  // -- start ----------------------------------------------------------------------------------------------
  for (const el of document.querySelectorAll('option[data-text]')) el.textContent = T[el.dataset.text];
  document.title = T.title;
  document.documentElement.lang = english ? 'en' : 'ru';
  $('search').placeholder = T.search;
  $('notice-retry').textContent = T.retry;
  $('job-stop').textContent = T.stop;
  $('card-smart-label').textContent = T.smart;
  $('card-customer-label').textContent = T.customer;
  $('card-call').textContent = T.call;
  $('card-copy').textContent = T.copy;
  $('card-share').textContent = T.share;
  $('card-delete').textContent = T.delete;
  $('add-title').textContent = T.add;
  $('add-phone-label').textContent = T.phone;
  $('add-phone').placeholder = T.phone_hint;
  $('add-description-label').textContent = T.description;
  $('add-ttl-label').textContent = T.ttl;
  $('add-submit').textContent = T.create;
  for (const close of document.querySelectorAll('[data-close]')) close.textContent = T.cancel;
  theme();
  if (tg) {
    if (main) { document.body.classList.add('telegram-buttons'); main.onClick(mainPressed); }
    if (back) back.onClick(goBack);
    if (tg.onEvent) tg.onEvent('themeChanged', theme);
    if (tg.ready) tg.ready();
    if (tg.expand) tg.expand();
  }
  buttons();
  addEventListener('online', () => { if (state.retry) { const again = state.retry; notice(''); again(); } });
  if (!initData) notice(T.outside);
  else load(true);
})();
