// The release confirmation: lists exactly what will be released (containers with what they hold,
// and packs), releases in one all-or-nothing request (POST /v1/commissioning/release_to_market)
// and shows the result. Shared by the release page and the SSCC and pack pages.

import { h, table, tenantName, expiry, link } from '../dom.js';
import * as api from '../api.js';
import { openDialog } from './dialog.js';
import { errorBox, loading } from './status.js';

/** How many selected SSCCs get their full pack count looked up before confirming. */
const COUNT_LOOKUPS = 20;

function contentsText(c) {
  if (!c.contents || c.contents.length === 0) return c.child_count ? `${c.child_count} children` : '—';
  return h('ul', { class: 'plain' }, c.contents.map((k) => h('li', {},
    h('code', {}, k.product_code), ` · batch ${k.batch} · expiry ${k.expiry_date} · ${k.packs} pack${k.packs === 1 ? '' : 's'}`)));
}

async function countPacks(ssccs, cells, total) {
  let sum = 0;
  let known = 0;
  const queue = ssccs.slice(0, COUNT_LOOKUPS).map((c, i) => [c, i]);
  async function worker() {
    while (queue.length) {
      const [c, i] = queue.shift();
      try {
        const full = await api.get(`/v1/containers/${api.seg(c.sscc)}`);
        cells[i].textContent = String(full.pack_count);
        sum += full.pack_count;
        known += 1;
      } catch (err) {
        if (err instanceof api.SessionEnded) return;
        cells[i].textContent = '?';
      }
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()]);
  if (known === ssccs.length) total.textContent = ` They hold ${sum} pack${sum === 1 ? '' : 's'} in all (some may already be released).`;
}

/**
 * Asks to release `ssccs` (rows of GET /v1/commissioning/containers or a container lookup) and
 * `packs` (rows of GET /v1/commissioning/items or a pack lookup). Resolves with
 * `{released, containers, ssccs, packs}` after a release, or null when cancelled.
 */
export function releaseDialog(ssccs, packs) {
  return new Promise((resolve) => {
    let result = null;
    const countCells = ssccs.map(() => h('span', { class: 'num' }, ssccs.length <= COUNT_LOOKUPS ? 'counting…' : '—'));
    const total = h('span', {});
    const content = h('div', {},
      h('p', {}, 'These will be released to the market. Everything still pending inside each SSCC is released with it. Released goods can no longer be repacked; this cannot be undone.'),
      h('p', { class: 'summary' }, `${ssccs.length} container${ssccs.length === 1 ? '' : 's'} (SSCC) and ${packs.length} pack${packs.length === 1 ? '' : 's'} named.`, total),
      ssccs.length ? h('div', {}, h('h3', {}, `Containers (${ssccs.length})`),
        table('Containers to release', ['SSCC', 'Produced by', 'Holds directly', 'Packs inside'],
          ssccs.map((c, i) => [h('code', {}, c.sscc), tenantName(c.produced_by), contentsText(c), countCells[i]]), { captionHidden: true })) : null,
      packs.length ? h('div', {}, h('h3', {}, `Packs (${packs.length})`),
        table('Packs to release', ['Product (GTIN)', 'Serial number', 'Batch', 'Expiry', 'Produced by'],
          packs.map((p) => [h('code', {}, p.product_code), h('code', {}, p.serial_number), p.batch, expiry(p.expiry_date), tenantName(p.produced_by)]), { captionHidden: true })) : null);
    const d = openDialog('Release to market?', content, { onClose: () => resolve(result) });
    if (ssccs.length && ssccs.length <= COUNT_LOOKUPS) countPacks(ssccs, countCells, total);
    const errors = h('div', { 'aria-live': 'assertive' });
    d.body.append(errors);
    const cancel = h('button', { type: 'button', onclick: () => d.close() }, 'Cancel');
    const go = h('button', { type: 'button', class: 'primary' }, 'Release now');
    let key = api.idempotencyKey();
    go.addEventListener('click', async () => {
      go.disabled = true;
      cancel.disabled = true;
      go.textContent = 'Releasing…';
      errors.replaceChildren();
      loading(errors, 'Releasing…');
      try {
        const r = await api.post('/v1/commissioning/release_to_market', {
          ssccs: ssccs.map((c) => c.sscc),
          trade_items: packs.map((p) => ({ product_code: p.product_code, product_code_schema: 'GTIN', serial_number: p.serial_number })),
        }, { idempotencyKey: key });
        result = { released: r.released, containers: r.containers, ssccs, packs };
        const released = h('ul', { class: 'plain' },
          ssccs.map((c) => h('li', {}, link(`SSCC ${c.sscc}`, `/sscc/${c.sscc}`))),
          packs.map((p) => h('li', {}, link(`Pack ${p.product_code} / ${p.serial_number}`, `/pack/${p.product_code}/${api.seg(p.serial_number)}`))));
        // Following a link leaves the dialog behind.
        released.addEventListener('click', (ev) => { if (ev.target.closest('a')) d.close(); });
        d.body.replaceChildren(h('div', { class: 'notice', role: 'status' },
          `Released to market: ${r.released} pack${r.released === 1 ? '' : 's'} and ${r.containers} container${r.containers === 1 ? '' : 's'}.`),
        released);
        d.setActions(h('button', { type: 'button', class: 'primary', onclick: () => d.close() }, 'Close'));
        d.heading.textContent = 'Released';
        d.heading.focus();
      } catch (err) {
        if (err instanceof api.SessionEnded) {
          d.close();
          return;
        }
        // A refused request is stored under its key and would be replayed: a retry gets a new
        // key. A network failure keeps it, so a retry cannot release twice.
        if (err.status !== 0) key = api.idempotencyKey();
        errors.replaceChildren(errorBox(err, 'Nothing was released'));
        go.disabled = false;
        cancel.disabled = false;
        go.textContent = 'Try again';
      }
    });
    d.setActions(cancel, go);
  });
}
