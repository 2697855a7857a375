import type { CaseChangedEvent, ExposureRiskEvent } from '../../src/contracts/staff-stream.js';
import { h } from '../shared/dom.js';
import { formatDate, formatTime, shortId } from '../shared/format.js';

export type { CaseChangedEvent, ExposureRiskEvent } from '../../src/contracts/staff-stream.js';

export type StaffStreamEvent = ExposureRiskEvent | CaseChangedEvent;

const MAX_ENTRIES = 200;

interface Entry {
  readonly item: HTMLLIElement;
  updates: number;
  readonly kinds: Set<string>;
}

/**
 * The live feed of exposure risks: one entry per exposure (a case, the person it exposed, the day), showing the
 * person's latest tier for that day and how many updates it had, rather than a line per event; the newest change at
 * the top. A case corrected, closed or revoked gets a line of its own.
 */
export class RiskFeed {
  readonly element = h('ol', {
    class: 'feed',
    id: 'risk-feed',
    'aria-live': 'polite',
    'aria-label': 'New exposure risks',
  });
  private readonly entries = new Map<string, Entry>();

  add(event: StaffStreamEvent): void {
    if (event.type === 'case_changed') this.caseChanged(event);
    else this.exposure(event);
    while (this.element.children.length > MAX_ENTRIES) {
      const last = this.element.lastElementChild as HTMLLIElement;
      last.remove();
      for (const [key, entry] of this.entries) if (entry.item === last) this.entries.delete(key);
    }
  }

  private exposure(event: ExposureRiskEvent): void {
    const key = `${event.case_id}|${event.contact_user_id}|${event.exposure_date}`;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = {
        item: h('li', {
          class: 'exposure',
          'data-case-id': event.case_id,
          'data-contact': event.contact_user_id,
          'data-exposure-date': event.exposure_date,
        }),
        updates: 0,
        kinds: new Set(),
      };
      this.entries.set(key, entry);
    }
    entry.updates += 1;
    entry.kinds.add(event.contact_kind);
    entry.item.dataset.tier = event.tier;
    entry.item.dataset.updates = String(entry.updates);
    entry.item.replaceChildren(
      h('span', { class: `tier-text-${event.tier}` }, `${event.tier} risk`),
      ' · ',
      h('a', { href: `#case/${event.case_id}` }, `case ${shortId(event.case_id)}`),
      ` exposed ${shortId(event.contact_user_id)} (${[...entry.kinds].join(', ')}) on ${formatDate(event.exposure_date)}`,
      h(
        'span',
        { class: 'muted feed-updates' },
        entry.updates === 1
          ? ` · ${formatTime(event.updated_at)}`
          : ` · ${entry.updates} updates, last ${formatTime(event.updated_at)}`,
      ),
    );
    this.element.prepend(entry.item);
  }

  private caseChanged(event: CaseChangedEvent): void {
    const what = { corrected: 'corrected', closed: 'closed', revoked: 'revoked' }[event.change] ?? event.change;
    const removed =
      event.risks_removed > 0
        ? ` ${event.risks_removed} exposure risk${event.risks_removed === 1 ? '' : 's'} removed for ${event.contacts_affected} ${event.contacts_affected === 1 ? 'person' : 'people'}.`
        : '';
    this.element.prepend(
      h(
        'li',
        { class: 'case-change', 'data-case-id': event.case_id, 'data-change': event.change },
        h('a', { href: `#case/${event.case_id}` }, `Case ${shortId(event.case_id)}`),
        ` ${what}${event.reason ? ` (${event.reason})` : ''}.${removed}`,
        h('span', { class: 'muted' }, ` · ${formatTime(event.changed_at)}`),
      ),
    );
  }
}
