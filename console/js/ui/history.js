// The `history` of a lookup (audit events of one object) as a table.

import { h, table, time, shortId } from '../dom.js';
import * as session from '../session.js';

const ACTIONS = {
  commission: 'Commissioned',
  aggregate: 'Aggregated',
  disaggregate: 'Disaggregated',
  decommission: 'Decommissioned',
  release: 'Released to market',
};

/** Names a tenant id as this reader knows it: its own company, a partner, else the (short) id. */
export function whoIs(tenantId, known = new Map()) {
  const s = session.current();
  if (s && tenantId === s.tenantId && s.tenantName) return s.tenantName;
  return known.get(tenantId) || shortId(tenantId);
}

export function historyTable(history, known) {
  if (!history || history.length === 0) return h('p', { class: 'empty' }, 'No recorded events.');
  return table('History', ['When', 'What', 'Who (tenant)', 'API key', 'Line (channel)', 'Reason', 'Request id'],
    history.map((e) => [
      time(e.occurred_at),
      ACTIONS[e.action] || e.action,
      whoIs(e.actor && e.actor.tenant_id, known),
      shortId(e.actor && e.actor.api_key_id),
      shortId(e.actor && e.actor.channel_id),
      e.reason || '—',
      shortId(e.request_id),
    ]), { captionHidden: true });
}
