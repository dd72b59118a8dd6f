/**
 * The dashboard's header: the runs shown (with their status and actions) and the global toggles
 * (seed view, smoothing, log x), built with @vscode-elements/elements.
 */
import type { RunState } from './store';
import { combineTimeUnits, timeWords } from '../shared/timeUnit';
import { element, replaceChildren } from './dom';
import './elements';
import type { DashboardViewState, SeedView } from './viewState';
import { SEED_VIEWS, SMOOTHING_CHOICES } from './viewState';

/** What the toolbar's controls ask for. */
export interface ToolbarActions {
  setSeedView(seedView: SeedView): void;
  setSmoothing(weight: number): void;
  setLogX(logX: boolean): void;
  openRunFolder(runId: string): void;
  showOnly(runId: string): void;
  remove(runId: string): void;
}

const SEED_VIEW_LABELS: Record<SeedView, string> = {
  auto: 'Auto (median + IQR from 3 seeds)',
  seeds: 'Each seed',
  median: 'Median + IQR band',
};

function select<T extends string | number>(label: string, choices: readonly T[], labelOf: (choice: T) => string, onChange: (choice: T) => void): HTMLElementTagNameMap['vscode-single-select'] {
  const created = element('vscode-single-select', { attributes: { 'aria-label': label } });
  for (const choice of choices) created.append(element('vscode-option', { text: labelOf(choice), attributes: { value: String(choice) } }));
  created.addEventListener('change', () => {
    const chosen = choices.find((choice) => String(choice) === created.value);
    if (chosen !== undefined) onChange(chosen);
  });
  return created;
}

function labelled(text: string, control: HTMLElement): HTMLElement {
  return element('div', { className: 'control' }, [element('vscode-label', { text }), control]);
}

export class Toolbar {
  readonly root: HTMLElement;
  private readonly runsElement: HTMLElement;
  private readonly seedView: HTMLElementTagNameMap['vscode-single-select'];
  private readonly smoothing: HTMLElementTagNameMap['vscode-single-select'];
  private readonly logX: HTMLElementTagNameMap['vscode-checkbox'];
  private shown = '';

  constructor(private readonly actions: ToolbarActions) {
    this.runsElement = element('div', { className: 'runs', attributes: { role: 'list', 'aria-label': 'Runs shown' } });
    this.seedView = select('Seeds', SEED_VIEWS, (choice) => SEED_VIEW_LABELS[choice], (choice) => actions.setSeedView(choice));
    this.smoothing = select('Smoothing', SMOOTHING_CHOICES, (weight) => (weight === 0 ? 'Off' : `EMA ${weight}`), (weight) => actions.setSmoothing(weight));
    this.logX = element('vscode-checkbox', { attributes: { label: 'Log x (epochs)' } });
    this.logX.addEventListener('change', () => actions.setLogX(this.logX.checked));
    this.root = element('header', { className: 'toolbar' }, [
      this.runsElement,
      element('div', { className: 'controls' }, [
        labelled('Seeds', this.seedView),
        labelled('Smoothing (raw curves stay visible)', this.smoothing),
        element('div', { className: 'control control-checkbox' }, [this.logX]),
      ]),
    ]);
  }

  /** Sets the controls to the view state. */
  sync(view: DashboardViewState): void {
    this.seedView.value = view.seedView;
    this.smoothing.value = String(view.smoothing);
    this.logX.checked = view.logX;
  }

  /** Shows the runs (one chip per run, with actions) and names the log-x axis in their time words; does nothing when what it shows did not change. */
  renderRuns(runs: readonly RunState[], labels: ReadonlyMap<string, string>): void {
    const shown = JSON.stringify(runs.map((run) => [run.runId, labels.get(run.runId), run.status, run.timeUnit, run.manifest?.description]));
    if (shown === this.shown) return;
    this.shown = shown;
    this.logX.setAttribute('label', `Log x (${timeWords(combineTimeUnits(runs.map((run) => run.timeUnit))).plural})`);
    if (runs.length === 0) {
      replaceChildren(this.runsElement, [element('p', { className: 'empty', text: 'No run shown. Open a run from the Runs view (Open Dashboard), or compare two or more (Compare Runs).' })]);
      return;
    }
    const comparing = runs.length > 1;
    replaceChildren(
      this.runsElement,
      [
        element('h1', { text: comparing ? `Comparing ${runs.length} runs` : (labels.get(runs[0].runId) ?? runs[0].runId) }),
        ...runs.map((run) => {
          const actions: HTMLElement[] = [this.button('Folder', 'Reveal the run folder', () => this.actions.openRunFolder(run.runId))];
          if (comparing) {
            actions.push(this.button('Only this', 'Show this run alone', () => this.actions.showOnly(run.runId)));
            actions.push(this.button('Remove', 'Remove this run from the comparison', () => this.actions.remove(run.runId)));
          }
          const description = run.manifest?.description;
          return element('div', { className: 'run-chip', attributes: { role: 'listitem', 'data-run-id': run.runId } }, [
            element('span', { className: 'run-label', text: comparing ? (labels.get(run.runId) ?? run.runId) : run.runId, title: run.runId }),
            element('vscode-badge', { className: `status status-${run.status}`, text: run.status }),
            description ? element('span', { className: 'run-description', text: description }) : null,
            element('span', { className: 'run-actions' }, actions),
          ]);
        }),
      ],
    );
  }

  private button(label: string, title: string, onClick: () => void): HTMLElement {
    const created = element('vscode-button', { text: label, title, attributes: { secondary: true } });
    created.addEventListener('click', onClick);
    return created;
  }
}
