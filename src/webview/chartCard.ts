/**
 * One chart's card: title, description, its toggles (log y; normalised coupling), PNG/SVG export
 * buttons, the Plotly plot and the notes under it. DOM only; what is drawn comes from figures/ (src/webview/figures/index.ts).
 */
import type { Config } from 'plotly.js-dist-min';
import type { ChartDefinition, ChartId } from './chartDefinitions';
import { isLogY } from './chartDefinitions';
import { element, replaceChildren } from './dom';
import './elements';
import type { ImageFormat } from './exportFile';
import type { ChartFigure } from './figures';
import type { Plotly } from './plotlyRuntime';
import type { DashboardViewState } from './viewState';

/** What the card's controls ask for. */
export interface ChartCardActions {
  setLogY(chart: ChartId, logY: boolean): void;
  setCouplingNormalized(normalized: boolean): void;
  exportImage(chart: ChartId, format: ImageFormat): void;
}

/** Plotly's options for every chart: its own image download cannot work in a webview (microsoft/vscode-tensorboard#23), so the card's export buttons replace it. */
const PLOT_CONFIG: Partial<Config> = {
  responsive: true,
  displaylogo: false,
  displayModeBar: 'hover',
  modeBarButtonsToRemove: ['toImage', 'select2d', 'lasso2d'],
  scrollZoom: false,
};

function checkbox(label: string, onChange: (checked: boolean) => void): HTMLElementTagNameMap['vscode-checkbox'] {
  const box = element('vscode-checkbox', { attributes: { label } });
  box.addEventListener('change', () => onChange(box.checked));
  return box;
}

function button(label: string, title: string, onClick: () => void): HTMLElementTagNameMap['vscode-button'] {
  const created = element('vscode-button', { text: label, title, attributes: { secondary: true } });
  created.addEventListener('click', onClick);
  return created;
}

export class ChartCard {
  readonly root: HTMLElement;
  readonly plot: HTMLDivElement;
  private readonly notes: HTMLElement;
  private readonly logYBox?: HTMLElementTagNameMap['vscode-checkbox'];
  private readonly normalizedBox?: HTMLElementTagNameMap['vscode-checkbox'];

  constructor(readonly definition: ChartDefinition, actions: ChartCardActions) {
    const { id } = definition;
    const controls: HTMLElement[] = [];
    if (definition.logY !== 'never') {
      this.logYBox = checkbox('Log y', (checked) => actions.setLogY(id, checked));
      controls.push(this.logYBox);
    }
    if (id === 'coupling') {
      this.normalizedBox = checkbox('Normalised', (checked) => actions.setCouplingNormalized(checked));
      this.normalizedBox.title = 'B_jl / √(B_jj B_ll)';
      controls.push(this.normalizedBox);
    }
    controls.push(
      button('PNG', `Save “${definition.title}” as a PNG image`, () => actions.exportImage(id, 'png')),
      button('SVG', `Save “${definition.title}” as an SVG image`, () => actions.exportImage(id, 'svg')),
    );
    this.plot = element('div', { className: 'plot', attributes: { role: 'img', 'aria-label': definition.title } });
    this.notes = element('div', { className: 'chart-notes', attributes: { 'aria-live': 'polite' } });
    this.root = element('section', { className: `chart-card chart-${id}`, attributes: { 'data-chart': id } }, [
      element('header', { className: 'chart-header' }, [
        element('div', { className: 'chart-heading' }, [element('h2', { text: definition.title }), element('p', { className: 'chart-description', text: definition.description })]),
        element('div', { className: 'chart-actions' }, controls),
      ]),
      this.plot,
      this.notes,
    ]);
  }

  get id(): ChartId {
    return this.definition.id;
  }

  /** Sets the toggles to the view state. */
  sync(view: DashboardViewState): void {
    if (this.logYBox) this.logYBox.checked = isLogY(this.id, view.logY);
    if (this.normalizedBox) this.normalizedBox.checked = view.couplingNormalized;
  }

  /** Draws a figure (Plotly.react: only what changed is redrawn, zoom survives through uirevision). */
  async render(plotly: Plotly, figure: ChartFigure, revision: number): Promise<void> {
    await plotly.react(this.plot, figure.data, figure.layout, PLOT_CONFIG);
    replaceChildren(
      this.notes,
      figure.notes.map((note) => element('p', { text: note })),
    );
    this.root.dataset.hasData = String(figure.hasData);
    this.root.dataset.revision = String(revision);
  }
}
