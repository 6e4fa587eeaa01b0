// The hierarchy of a container (GET /v1/containers/{sscc} `children`) as a nested list: each
// container and pack with its status, a link to its own page, and its children. Big levels are
// shown a hundred at a time and deep ones start folded, so a pallet of 100 000 packs stays usable.

import { h, link, statusBadge } from '../dom.js';
import { seg } from '../api.js';

const CHUNK = 100;

function label(node) {
  if (node.type === 'container') {
    return h('span', { class: 'node' }, h('span', { class: 'kind' }, 'SSCC '), link(node.sscc, `/sscc/${node.sscc}`), ' ', node.status ? statusBadge(node.status) : null);
  }
  return h('span', { class: 'node' }, h('span', { class: 'kind' }, 'Pack '),
    link(`${node.product_code} / ${node.serial_number}`, `/pack/${node.product_code}/${seg(node.serial_number)}`), ' ', statusBadge(node.status));
}

function nameOf(node) {
  return node.type === 'container' ? `SSCC ${node.sscc}` : `pack ${node.product_code} / ${node.serial_number}`;
}

function childList(children, depth) {
  const ul = h('ul', { class: 'tree' });
  let shown = 0;
  const more = h('button', { type: 'button', class: 'link-button' });
  function showMore() {
    const next = children.slice(shown, shown + CHUNK);
    next.forEach((c) => ul.insertBefore(nodeItem(c, depth), moreItem));
    shown += next.length;
    const left = children.length - shown;
    moreItem.hidden = left <= 0;
    more.textContent = `Show ${Math.min(CHUNK, left)} more (${left} not shown)`;
  }
  const moreItem = h('li', { class: 'more' }, more);
  ul.append(moreItem);
  more.addEventListener('click', showMore);
  showMore();
  return ul;
}

function nodeItem(node, depth) {
  const li = h('li', {}, label(node));
  const kids = node.children || [];
  if (kids.length === 0) return li;
  const open = depth < 2 && kids.length <= 50;
  const toggle = h('button', { type: 'button', class: 'toggle', 'aria-expanded': String(open), 'aria-label': `Contents of ${nameOf(node)} (${kids.length})` }, open ? '−' : '+');
  li.insertBefore(toggle, li.firstChild);
  let list = open ? childList(kids, depth + 1) : null;
  if (list) li.append(list);
  toggle.addEventListener('click', () => {
    const expanded = toggle.getAttribute('aria-expanded') === 'true';
    if (!list) {
      list = childList(kids, depth + 1);
      li.append(list);
    }
    list.hidden = expanded;
    toggle.setAttribute('aria-expanded', String(!expanded));
    toggle.textContent = expanded ? '+' : '−';
  });
  return li;
}

/** The tree below `root` (a container lookup), the root itself first. */
export function hierarchy(root) {
  const top = { type: 'container', sscc: root.sscc, status: root.status, children: root.children };
  const ul = h('ul', { class: 'tree tree-root', 'aria-label': `Hierarchy of SSCC ${root.sscc}` }, nodeItem(top, 0));
  return ul;
}
