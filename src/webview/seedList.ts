/**
 * The seed toggles: per group (run and condition) a swatch in its colour, "all"/"none", and one
 * checkbox per seed with its status and progress. Toggling a seed hides it from every chart and
 * from the median and IQR band (docs/product.md §2.4: "toggle individual seeds").
 */
import type { DashboardSeed } from './store';
import { element, replaceChildren } from './dom';
import './elements';
import { PROBLEM_STATUSES, groupStatusText, seedStatusText } from './seedStatus';
import type { SeriesStyles } from './seriesStyles';
import type { RunTimeUnit } from '../shared/timeUnit';

/** What the toggles ask for. */
export interface SeedListActions {
  setSeedsShown(keys: readonly string[], shown: boolean): void;
}

export class SeedList {
  readonly root: HTMLElement;
  /** What the list was last built from (groups, seeds, colours, toggles): while it holds, only statuses change. */
  private structure = '';
  private readonly statusElements = new Map<string, { item: HTMLElement; status: HTMLElement }>();
  private readonly groupElements = new Map<string, HTMLElement>();

  constructor(private readonly actions: SeedListActions) {
    this.root = element('section', { className: 'seed-list', attributes: { 'aria-label': 'Seeds' } });
  }

  /** Shows the seeds; rebuilds the checkboxes only when the seeds, colours or toggles changed, else updates the statuses in place. */
  render(styles: SeriesStyles): void {
    const structure = JSON.stringify([styles.colorBy, styles.groups.map((group) => [group.key, group.label, group.color]), styles.seeds.map((seed) => [seed.key, seed.color, seed.shown, seed.focused])]);
    if (structure === this.structure) {
      for (const seed of styles.seeds) {
        const entry = this.statusElements.get(seed.key);
        if (entry) setStatus(entry.item, entry.status, seed.state, seed.focused, seed.group.timeUnit);
      }
      for (const group of styles.groups) {
        const summary = this.groupElements.get(group.key);
        const text = groupStatusText(group.seeds.map((seed) => seed.state), group.timeUnit);
        if (summary && summary.textContent !== text) summary.textContent = text;
      }
      return;
    }
    this.structure = structure;
    this.statusElements.clear();
    this.groupElements.clear();
    replaceChildren(
      this.root,
      styles.groups.map((group) => {
        const keys = group.seeds.map((seed) => seed.key);
        const groupSummary = element('span', { className: 'seed-group-status', text: groupStatusText(group.seeds.map((seed) => seed.state), group.timeUnit) });
        this.groupElements.set(group.key, groupSummary);
        const seedItems = group.seeds.map((seed) => {
          const box = element('vscode-checkbox', { attributes: { label: `seed ${seed.seed}`, checked: seed.shown } });
          box.addEventListener('change', () => this.actions.setSeedsShown([seed.key], box.checked));
          const status = element('span', { className: 'seed-status' });
          const item = element('div', { attributes: { 'data-seed-key': seed.key } }, [styles.colorBy === 'seed' ? swatch(seed.color) : null, element('span', { className: 'status-dot', attributes: { 'aria-hidden': 'true' } }), box, status]);
          setStatus(item, status, seed.state, seed.focused, group.timeUnit);
          this.statusElements.set(seed.key, { item, status });
          return item;
        });
        return element('div', { className: 'seed-group', attributes: { 'data-group': group.key } }, [
          element('div', { className: 'seed-group-header' }, [
            styles.colorBy === 'group' ? swatch(group.color) : null,
            element('span', { className: 'seed-group-label', text: group.label }),
            groupSummary,
            this.link('all', () => this.actions.setSeedsShown(keys, true)),
            this.link('none', () => this.actions.setSeedsShown(keys, false)),
          ]),
          element('div', { className: 'seed-items' }, seedItems),
        ]);
      }),
    );
  }

  private link(text: string, onClick: () => void): HTMLElement {
    const created = element('button', { className: 'link-button', text, attributes: { type: 'button' } });
    created.addEventListener('click', onClick);
    return created;
  }
}

/**
 * Shows a seed's status: a coloured dot and the words in its tooltip; the words themselves only for
 * a problem (diverged, failed…), so thirty healthy seeds stay on a few lines.
 */
function setStatus(item: HTMLElement, status: HTMLElement, seed: DashboardSeed, focused: boolean, unit: RunTimeUnit): void {
  const text = seedStatusText(seed, unit);
  item.className = `seed-item status-${seed.status}${focused ? ' focused' : ''}`;
  item.title = text;
  const shown = PROBLEM_STATUSES.includes(seed.status) ? text : '';
  if (status.textContent !== shown) status.textContent = shown;
}

function swatch(color: string): HTMLElement {
  const created = element('span', { className: 'swatch', attributes: { 'aria-hidden': 'true' } });
  // A style property set through CSSOM, which the CSP allows (a style attribute in markup it would not).
  created.style.backgroundColor = color;
  return created;
}
