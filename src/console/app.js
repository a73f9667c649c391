/*
 * app.js: the web console's behaviour, plain JavaScript over the API.
 *
 * State lives in the page's URL: the listing's filters are its query
 * parameters (so a view can be bookmarked) and ?image=ID opens one image.
 * The token of auth = token is kept in sessionStorage (this tab only) and
 * sent as Authorization: Bearer.  Images are fetched with that header and
 * shown through blob: URLs, so the same code works with or without a
 * token.  Thumbnails ask for a 256-pixel rendition; a daemon that does not
 * make renditions ignores the parameters and sends the image itself.
 * Text from the API is only ever set as textContent or a value, never as
 * markup.
 */
'use strict';

(function () {
  const TOKEN_KEY = 'imaged.token';
  const FILTERS = ['user_id', 'title', 'tags', 'tags_match', 'location',
    'created_after', 'created_before', 'order'];
  const PAGE_SIZE = 24;
  const THUMB = 'download=true&w=256&fit=cover&format=webp';

  const $ = (id) => document.getElementById(id);

  /* An element with attributes and children (strings become text). */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return e;
  }

  /* --- the API ---------------------------------------------------------- */

  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  }

  function authHeaders(h) {
    const t = token();
    if (t) h.Authorization = 'Bearer ' + t;
    return h;
  }

  /* An API error as thrown: the JSON error's code, message and field. */
  class ApiError extends Error {
    constructor(status, body) {
      const e = (body && body.error) || {};
      super(e.message || ('HTTP ' + status));
      this.status = status;
      this.code = e.code || '';
      this.field = e.field || '';
    }
  }

  async function api(method, path, body) {
    const headers = authHeaders({ Accept: 'application/json' });
    const init = { method, headers, cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const r = await fetch(path, init);
    let json = null;
    try { json = await r.json(); } catch (e) { json = null; }
    if (!r.ok) {
      const err = new ApiError(r.status, json);
      if (r.status === 401) needToken(err.message);
      throw err;
    }
    return json;
  }

  /* The bytes of an image (or its rendition) as a blob: URL. */
  async function imageURL(id, query) {
    const r = await fetch('images/' + encodeURIComponent(id) + '?' + query, {
      headers: authHeaders({ Accept: 'image/webp,image/*;q=0.9' }),
    });
    if (!r.ok) throw new ApiError(r.status, null);
    return URL.createObjectURL(await r.blob());
  }

  /* --- formatting ------------------------------------------------------- */

  function size(n) {
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1024 / 1024).toFixed(1) + ' MiB';
  }

  function when(iso) {
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString();
  }

  function lifetime(s) {
    if (s % 86400 === 0) return (s / 86400) + (s === 86400 ? ' day' : ' days');
    if (s % 3600 === 0) return (s / 3600) + (s === 3600 ? ' hour' : ' hours');
    if (s % 60 === 0) return (s / 60) + (s === 60 ? ' minute' : ' minutes');
    return s + ' seconds';
  }

  function shellQuote(s) {
    return "'" + String(s).replace(/'/g, "'\\''") + "'";
  }

  function splitTags(s) {
    return s.split(',').map((t) => t.trim()).filter((t) => t !== '');
  }

  /* --- errors next to their fields --------------------------------------- */

  /* Clear a form's error slots and marks. */
  function clearErrors(form) {
    for (const p of form.querySelectorAll('[data-error-for]')) p.textContent = '';
    for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
  }

  /*
   * Show err's message in the slot of the field it names ("metadata.title"
   * counts as "title"), or in the form's general slot.
   */
  function showError(form, err) {
    const field = (err.field || '').replace(/^metadata\./, '');
    let slot = field ? form.querySelector('[data-error-for="' + CSS.escape(field) + '"]') : null;
    if (slot) {
      const input = form.querySelector('[name="' + CSS.escape(field) + '"]');
      if (input) {
        const box = input.closest('details');
        if (box) box.open = true;
        input.setAttribute('aria-invalid', 'true');
        input.focus();
      }
    } else {
      slot = form.querySelector('[data-error-for=""]');
    }
    if (slot) slot.textContent = err.message;
    else status(err.message);
  }

  function status(text) {
    $('status').textContent = text;
  }

  /* --- token mode ------------------------------------------------------- */

  function needToken(message) {
    $('token-panel').hidden = false;
    $('browse').hidden = true;
    $('detail').hidden = true;
    $('upload-panel').hidden = true;
    $('upload-toggle').hidden = true;
    $('token-error').textContent = token() ? message : '';
    if (token()) $('token').setAttribute('aria-invalid', 'true');
    sessionStorage.removeItem(TOKEN_KEY);
    $('forget-token').hidden = true;
    $('who').textContent = '';
    $('token').focus();
  }

  function tokenReady() {
    $('token-panel').hidden = true;
    $('upload-toggle').hidden = false;
    $('forget-token').hidden = !token();
    $('who').textContent = token() ? 'Using a token' : '';
  }

  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const t = $('token').value.trim();
    clearErrors($('token-form'));
    if (!t) {
      $('token-error').textContent = 'Enter a token';
      $('token').setAttribute('aria-invalid', 'true');
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, t);
    $('token').value = '';
    tokenReady();
    route(true);
  });

  $('forget-token').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    listing.key = null;
    needToken('');
  });

  /* --- the listing ------------------------------------------------------ */

  const listing = {
    key: null,        /* the query the grid shows, to know when to reload */
    cursor: null,     /* last_evaluated_key of the last page, or null */
    done: false,
    loading: false,
    generation: 0,    /* bumped at each reset: late pages are dropped */
    urls: [],         /* blob: URLs to revoke at the next reset */
  };

  /* The page URL's filters, as an API query (without the cursor). */
  function filterParams() {
    const page = new URLSearchParams(location.search);
    const q = new URLSearchParams();
    for (const k of FILTERS) {
      const v = page.get(k);
      if (v) q.set(k, v);
    }
    const limit = parseInt(page.get('limit') || '', 10);
    q.set('limit', String(limit >= 1 && limit <= 100 ? limit : PAGE_SIZE));
    return q;
  }

  function fillFilters() {
    const page = new URLSearchParams(location.search);
    const form = $('filters');
    for (const k of FILTERS) form.elements[k].value = page.get(k) || '';
  }

  const thumbs = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      thumbs.unobserve(e.target);
      loadThumb(e.target);
    }
  }, { rootMargin: '300px' });

  async function loadThumb(img) {
    const gen = listing.generation;
    try {
      const url = await imageURL(img.dataset.id, THUMB);
      if (gen !== listing.generation) {
        URL.revokeObjectURL(url);
        return;
      }
      listing.urls.push(url);
      img.src = url;
    } catch (e) {
      img.closest('.card').classList.add('broken');
    }
  }

  function card(r) {
    const img = el('img', { alt: '', 'data-id': r.image_id, width: 256, height: 256 });
    thumbs.observe(img);
    const link = el('a', { class: 'card', href: detailHref(r.image_id), 'data-id': r.image_id },
      el('span', { class: 'thumb' }, img),
      el('span', { class: 'name', text: r.title || r.filename }),
      el('span', { class: 'meta' },
        el('span', { text: r.filename }), ' · ',
        el('span', { text: r.user_id }), ' · ',
        el('span', { text: size(r.file_size) })),
      el('time', { class: 'meta', datetime: r.created_at, text: when(r.created_at) }),
      r.tags && r.tags.length ? el('span', { class: 'meta tags', text: r.tags.join(', ') }) : null);
    return el('li', {}, link);
  }

  function resetListing(key) {
    listing.generation++;
    for (const u of listing.urls) URL.revokeObjectURL(u);
    listing.urls = [];
    listing.key = key;
    listing.cursor = null;
    listing.done = false;
    listing.loading = false;
    $('grid').replaceChildren();
    $('more').hidden = true;
  }

  async function loadPage() {
    if (listing.loading || listing.done) return;
    listing.loading = true;
    const gen = listing.generation;
    const q = filterParams();
    if (listing.cursor) q.set('last_evaluated_key', listing.cursor);
    clearErrors($('filters'));
    status('Loading…');
    try {
      const page = await api('GET', 'images?' + q.toString());
      if (gen !== listing.generation) return;
      for (const r of page.images) $('grid').append(card(r));
      listing.cursor = page.last_evaluated_key;
      listing.done = !page.last_evaluated_key;
      const n = $('grid').children.length;
      status(n === 0 ? 'No images match.' :
        n + (n === 1 ? ' image' : ' images') + (listing.done ? '' : ', more below'));
      $('more').hidden = listing.done;
    } catch (err) {
      if (gen !== listing.generation) return;
      /* Stop here (no retry loop); the next Apply or load starts again. */
      listing.key = null;
      listing.done = true;
      if (err.status !== 401) showError($('filters'), err);
      status('');
    } finally {
      if (gen === listing.generation) listing.loading = false;
    }
    if (gen === listing.generation && !listing.done && sentinelVisible()) loadPage();
  }

  function sentinelVisible() {
    const r = $('sentinel').getBoundingClientRect();
    return !$('browse').hidden && r.top < window.innerHeight + 300;
  }

  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadPage();
  }, { rootMargin: '300px' }).observe($('sentinel'));

  $('more').addEventListener('click', () => loadPage());

  /* Show the grid, loading it again if its filters changed; resolves once shown. */
  async function showListing(force) {
    $('detail').hidden = true;
    $('browse').hidden = false;
    fillFilters();
    const key = filterParams().toString();
    if (force || key !== listing.key) {
      resetListing(key);
      await loadPage();
    }
  }

  $('filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const page = new URLSearchParams(location.search);
    const q = new URLSearchParams();
    for (const k of FILTERS) {
      const v = form.elements[k].value.trim();
      if (v) q.set(k, v);
    }
    if (page.get('limit')) q.set('limit', page.get('limit'));
    navigate(q);
  });

  $('filters-clear').addEventListener('click', () => {
    navigate(new URLSearchParams());
  });

  /* --- page URL --------------------------------------------------------- */

  function pageURL(q) {
    const s = q.toString();
    return location.pathname + (s ? '?' + s : '');
  }

  function detailHref(id) {
    const q = new URLSearchParams(location.search);
    q.set('image', id);
    return pageURL(q);
  }

  function listHref() {
    const q = new URLSearchParams(location.search);
    q.delete('image');
    return pageURL(q);
  }

  function navigate(q) {
    history.pushState(null, '', pageURL(q));
    route(false);
  }

  /* Show what the page URL names. */
  function route(force) {
    const id = new URLSearchParams(location.search).get('image');
    return id ? showDetail(id) : showListing(force);
  }

  window.addEventListener('popstate', () => route(false));

  $('grid').addEventListener('click', (ev) => {
    const a = ev.target.closest('a.card');
    if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
    ev.preventDefault();
    history.pushState(null, '', a.getAttribute('href'));
    route(false);
  });

  /* --- one image -------------------------------------------------------- */

  const detail = { record: null, imgURL: null };

  async function backToList(ev, force) {
    if (ev) ev.preventDefault();
    history.pushState(null, '', listHref());
    await route(force);
    const first = $('grid').querySelector('a');
    if (first) first.focus(); else $('main').focus();
  }

  $('back').addEventListener('click', (ev) => backToList(ev, false));

  async function showDetail(id) {
    $('browse').hidden = true;
    $('detail').hidden = false;
    $('back').setAttribute('href', listHref());
    $('detail-heading').textContent = 'Loading…';
    $('record').replaceChildren();
    clearErrors($('edit-form'));
    $('save-status').textContent = '';
    $('copy-status').textContent = '';
    if (detail.imgURL) URL.revokeObjectURL(detail.imgURL);
    detail.imgURL = null;
    $('detail-img').removeAttribute('src');
    try {
      await loadRecord(id);
    } catch (err) {
      if (err.status === 401) return;
      $('detail-heading').textContent = err.status === 404 ? 'No such image' : err.message;
      return;
    }
    $('detail-heading').focus();
    try {
      detail.imgURL = await imageURL(id, 'download=true');
      if (detail.record && detail.record.image_id === id) $('detail-img').src = detail.imgURL;
    } catch (e) {
      $('detail-img').alt = 'The image could not be loaded';
    }
  }

  async function loadRecord(id) {
    const exp = $('url-expires').value;
    const r = await api('GET', 'images/' + encodeURIComponent(id) +
      (exp ? '?expires_in=' + exp : ''));
    detail.record = r;
    renderRecord(r);
  }

  function renderRecord(r) {
    document.title = (r.title || r.filename) + ' · imaged';
    $('detail-heading').textContent = r.title || r.filename;
    $('detail-heading').setAttribute('tabindex', '-1');
    $('detail-img').alt = r.title || r.filename;
    const rows = [
      ['Image id', r.image_id],
      ['User', r.user_id],
      ['File name', r.filename],
      ['S3 key', r.s3_key],
      ['Content type', r.content_type],
      ['Size', size(r.file_size) + ' (' + r.file_size + ' bytes)'],
      ['Width × height', r.width !== null && r.height !== null ?
        r.width + ' × ' + r.height : 'unknown'],
      ['SHA-256', r.checksum_sha256],
      ['Created', r.created_at],
      ['Updated', r.updated_at],
    ];
    $('record').replaceChildren(...rows.flatMap(([k, v]) =>
      [el('dt', { text: k }), el('dd', { text: v })]));
    $('signed-url').value = r.download_url;
    $('url-lifetime').textContent = lifetime(r.url_expires_in) +
      ' (until ' + new Date(Date.now() + r.url_expires_in * 1000).toLocaleString() + ')';
    $('curl').value = 'curl -o ' + shellQuote(r.filename) + ' ' + shellQuote(r.download_url);
    const f = $('edit-form').elements;
    f.title.value = r.title || '';
    f.description.value = r.description || '';
    f.tags.value = (r.tags || []).join(', ');
    f.location.value = r.location || '';
  }

  $('url-expires').addEventListener('change', async () => {
    if (!detail.record) return;
    try {
      await loadRecord(detail.record.image_id);
    } catch (err) {
      $('copy-status').textContent = err.message;
    }
  });

  async function copy(text, what) {
    let done = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        done = true;
      }
    } catch (e) {
      done = false;
    }
    if (!done) {
      /* Plain http on another host is not a secure context. */
      const t = el('textarea', { class: 'offscreen', readonly: true });
      t.value = text;
      document.body.append(t);
      t.select();
      done = document.execCommand('copy');
      t.remove();
    }
    $('copy-status').textContent = done ? what + ' copied' : 'Copy failed: select it and copy by hand';
  }

  $('copy-url').addEventListener('click', () => copy($('signed-url').value, 'URL'));
  $('copy-curl').addEventListener('click', () => copy($('curl').value, 'Command'));

  $('edit-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const f = form.elements;
    clearErrors(form);
    $('save-status').textContent = 'Saving…';
    const metadata = {
      title: f.title.value,
      description: f.description.value,
      tags: splitTags(f.tags.value),
      location: f.location.value,
    };
    try {
      const r = await api('PATCH', 'images/' + encodeURIComponent(detail.record.image_id),
        { metadata });
      /* Keep the signed URL of the lifetime chosen. */
      detail.record = Object.assign(r, {
        download_url: detail.record.download_url,
        url_expires_in: detail.record.url_expires_in,
      });
      renderRecord(detail.record);
      listing.key = null;   /* the grid shows the old title */
      $('save-status').textContent = 'Saved';
    } catch (err) {
      $('save-status').textContent = '';
      if (err.status !== 401) showError(form, err);
    }
  });

  $('delete').addEventListener('click', () => {
    const r = detail.record;
    if (!r) return;
    $('confirm-text').textContent = r.filename + ' of ' + r.user_id +
      ' and its record will be deleted. This cannot be undone.';
    $('delete-error').textContent = '';
    $('confirm-delete').showModal();
    $('confirm-cancel').focus();
  });

  $('confirm-cancel').addEventListener('click', () => $('confirm-delete').close());

  $('confirm-yes').addEventListener('click', async () => {
    const r = detail.record;
    try {
      await api('DELETE', 'images/' + encodeURIComponent(r.image_id));
    } catch (err) {
      $('delete-error').textContent = err.message;
      return;
    }
    $('confirm-delete').close();
    detail.record = null;
    await backToList(null, true);
    status('Deleted ' + r.filename + '. ' + $('status').textContent);
  });

  /* --- upload ----------------------------------------------------------- */

  let queued = 0;   /* numbers the queue's fields so their ids are unique */

  $('upload-toggle').addEventListener('click', () => {
    const p = $('upload-panel');
    p.hidden = !p.hidden;
    $('upload-toggle').setAttribute('aria-expanded', String(!p.hidden));
    if (!p.hidden) $('files').focus();
  });

  function field(n, name, label, value, multiline) {
    const id = 'u' + n + '-' + name;
    const input = el(multiline ? 'textarea' : 'input', {
      id, name, rows: multiline ? 2 : null, 'aria-describedby': id + '-error',
      autocomplete: 'off', spellcheck: name === 'user_id' || name === 'tags' ? 'false' : null,
      placeholder: name === 'user_id' && token() ? 'the token\u2019s user' : null,
    });
    input.value = value || '';
    return el('div', { class: 'field' },
      el('label', { for: id, text: label }), input,
      el('p', { id: id + '-error', class: 'error', 'data-error-for': name }));
  }

  function addFiles(files) {
    const lastUser = $('queue').querySelector('li:last-child [name="user_id"]');
    const user = lastUser ? lastUser.value : new URLSearchParams(location.search).get('user_id');
    for (const file of files) {
      const n = ++queued;
      const progress = el('progress', { max: 100, value: 0, id: 'u' + n + '-progress' });
      const item = el('li', { class: 'item' },
        el('fieldset', {},
          el('legend', {}, el('span', { class: 'filename', text: file.name }),
            ' ', el('span', { class: 'note', text: size(file.size) })),
          el('div', { class: 'fields' },
            field(n, 'user_id', 'User id', user),
            field(n, 'title', 'Title'),
            field(n, 'tags', 'Tags (comma-separated)'),
            field(n, 'location', 'Location'),
            field(n, 'description', 'Description', '', true)),
          el('div', { class: 'row' },
            el('label', { for: 'u' + n + '-progress', text: 'Progress' }), progress,
            el('span', { class: 'state note', role: 'status', text: 'Ready' }),
            el('button', { type: 'button', class: 'remove', text: 'Remove' })),
          el('p', { class: 'error', 'data-error-for': '' }),
          el('p', { class: 'error', 'data-error-for': 'file' })));
      item.file = file;
      $('queue').append(item);
    }
    syncUploadButtons();
  }

  function syncUploadButtons() {
    const waiting = [...$('queue').children].some((li) => !li.classList.contains('done'));
    $('upload-start').disabled = !waiting;
    $('upload-clear').disabled = $('queue').children.length === 0;
  }

  $('queue').addEventListener('click', (ev) => {
    if (!ev.target.classList.contains('remove')) return;
    const li = ev.target.closest('li');
    if (li.xhr) li.xhr.abort();
    li.remove();
    syncUploadButtons();
  });

  $('files').addEventListener('change', (ev) => {
    addFiles(ev.target.files);
    ev.target.value = '';
  });

  /*
   * Files dropped anywhere on the page join the queue: left to itself the
   * browser would leave the page to show the file.
   */
  const drop = $('drop');
  function carriesFiles(ev) {
    return ev.dataTransfer && [...ev.dataTransfer.types].includes('Files');
  }
  document.addEventListener('dragover', (ev) => {
    if (!carriesFiles(ev)) return;
    ev.preventDefault();
    drop.classList.add('over');
  });
  document.addEventListener('dragleave', (ev) => {
    if (ev.relatedTarget === null) drop.classList.remove('over');
  });
  document.addEventListener('drop', (ev) => {
    if (!carriesFiles(ev)) return;
    ev.preventDefault();
    drop.classList.remove('over');
    if (!$('token-panel').hidden) return;
    if ($('upload-panel').hidden) $('upload-toggle').click();
    addFiles(ev.dataTransfer.files);
  });

  $('upload-clear').addEventListener('click', () => {
    for (const li of $('queue').children) if (li.xhr) li.xhr.abort();
    $('queue').replaceChildren();
    syncUploadButtons();
  });

  /* One file, as multipart/form-data, with progress; resolves to the XHR. */
  function send(li) {
    return new Promise((resolve) => {
      const fd = new FormData();
      for (const input of li.querySelectorAll('input, textarea')) {
        if (input.value.trim() !== '') fd.append(input.name, input.value.trim());
      }
      fd.append('file', li.file, li.file.name);
      const xhr = new XMLHttpRequest();
      li.xhr = xhr;
      const bar = li.querySelector('progress');
      xhr.upload.addEventListener('progress', (ev) => {
        if (ev.lengthComputable) bar.value = Math.round(100 * ev.loaded / ev.total);
      });
      xhr.upload.addEventListener('load', () => { bar.value = 100; });
      xhr.addEventListener('loadend', () => { li.xhr = null; resolve(xhr); });
      xhr.open('POST', 'images');
      xhr.setRequestHeader('Accept', 'application/json');
      const t = token();
      if (t) xhr.setRequestHeader('Authorization', 'Bearer ' + t);
      xhr.send(fd);
    });
  }

  $('upload-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('upload-start').disabled = true;
    let uploaded = 0;
    for (const li of [...$('queue').children]) {
      if (li.classList.contains('done')) continue;
      clearErrors(li);
      const state = li.querySelector('.state');
      state.textContent = 'Uploading…';
      const xhr = await send(li);
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (xhr.status === 201) {
        li.classList.add('done');
        li.querySelector('progress').value = 100;
        state.textContent = 'Uploaded';
        for (const i of li.querySelectorAll('input, textarea')) i.readOnly = true;
        uploaded++;
      } else {
        li.querySelector('progress').value = 0;
        state.textContent = 'Failed';
        const err = xhr.status === 0 ?
          new ApiError(0, { error: { message: 'the upload did not reach the daemon' } }) :
          new ApiError(xhr.status, body);
        if (xhr.status === 401) needToken(err.message);
        showError(li, err);
      }
    }
    syncUploadButtons();
    if (uploaded > 0) {
      status(uploaded + (uploaded === 1 ? ' image uploaded.' : ' images uploaded.'));
      if (!$('browse').hidden) {
        resetListing(filterParams().toString());
        loadPage();
      } else {
        listing.key = null;
      }
    }
  });

  /* --- start ------------------------------------------------------------ */

  /* On a phone the filters start folded, unless some are set. */
  if (window.matchMedia('(max-width: 720px)').matches &&
      !FILTERS.some((k) => new URLSearchParams(location.search).get(k)))
    $('filter-box').open = false;
  tokenReady();
  route(true);
})();
