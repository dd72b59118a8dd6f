/**
 * Chart colours from the `--vscode-*` CSS variables VS Code injects into every webview, read at
 * render time (docs/product.md §4.2, "Theming"): the series palette is `--vscode-charts-*`, text and axes
 * follow the editor. Pure: the reader of the variables is passed in, so the light, dark and high
 * contrast cases are tested without a browser; themeObserver.ts reads the document.
 */

/** The theme kinds VS Code marks on the webview's body (`vscode-light`, `vscode-dark`, `vscode-high-contrast`, plus `vscode-high-contrast-light`). */
export type ThemeKind = 'light' | 'dark' | 'highContrast' | 'highContrastLight';

/** Everything the figures take from the theme. */
export interface ChartTheme {
  kind: ThemeKind;
  /** Text, tick labels, legend. */
  foreground: string;
  /** Notes and secondary text. */
  mutedForeground: string;
  /** Plot and paper background (also of exported images, so that text stays readable). */
  background: string;
  /** Grid lines: faint. */
  gridColor: string;
  /** Axis lines and the zero line. */
  axisColor: string;
  hoverBackground: string;
  hoverForeground: string;
  hoverBorder: string;
  fontFamily: string;
  /** Pixels. */
  fontSize: number;
  /** Series colours, in the order they are assigned: blue, orange, green, red, purple, yellow. */
  palette: string[];
  /** The detector threshold line and detector markers' accent. */
  alertColor: string;
  /** Width of data lines in pixels (thicker in high contrast). */
  lineWidth: number;
  /** Opacity of the raw curves under a smoothed overlay or a median. */
  faintOpacity: number;
  /** Opacity of the IQR band's fill. */
  bandOpacity: number;
}

/** Reads one CSS variable (e.g. `--vscode-editor-foreground`); empty when unset. */
export type VariableReader = (name: string) => string;

/** The theme kind from the body's classes (VS Code also sets `data-vscode-theme-kind` with the same words). */
export function themeKindOf(classNames: Iterable<string>, dataThemeKind?: string | null): ThemeKind {
  const classes = new Set(classNames);
  if (dataThemeKind) classes.add(dataThemeKind);
  if (classes.has('vscode-high-contrast-light')) return 'highContrastLight';
  if (classes.has('vscode-high-contrast')) return 'highContrast';
  if (classes.has('vscode-light')) return 'light';
  return 'dark';
}

/** Colours used when a variable is missing (e.g. an older VS Code): the Dark and Light Modern themes' values. */
const FALLBACKS: Record<ThemeKind, { foreground: string; background: string; palette: string[]; alert: string }> = {
  dark: { foreground: '#cccccc', background: '#1f1f1f', palette: ['#3794ff', '#d18616', '#89d185', '#f14c4c', '#b180d7', '#cca700'], alert: '#f14c4c' },
  light: { foreground: '#3b3b3b', background: '#ffffff', palette: ['#1a85ff', '#d18616', '#388a34', '#e51400', '#652d90', '#bf8803'], alert: '#e51400' },
  highContrast: { foreground: '#ffffff', background: '#000000', palette: ['#3794ff', '#d18616', '#89d185', '#f48771', '#b180d7', '#ffd700'], alert: '#f48771' },
  highContrastLight: { foreground: '#292929', background: '#ffffff', palette: ['#0f4a85', '#b5200d', '#388a34', '#b5200d', '#652d90', '#895503'], alert: '#b5200d' },
};

/** The order of `--vscode-charts-*` colours in the palette. */
const PALETTE_VARIABLES = ['blue', 'orange', 'green', 'red', 'purple', 'yellow'].map((name) => `--vscode-charts-${name}`);

function first(read: VariableReader, names: readonly string[], fallback: string): string {
  for (const name of names) {
    const value = read(name).trim();
    if (value) return value;
  }
  return fallback;
}

/** The chart theme from the variables of the current VS Code theme. */
export function chartTheme(read: VariableReader, kind: ThemeKind): ChartTheme {
  const fallback = FALLBACKS[kind];
  const highContrast = kind === 'highContrast' || kind === 'highContrastLight';
  const foreground = first(read, ['--vscode-editor-foreground', '--vscode-foreground'], fallback.foreground);
  const background = first(read, ['--vscode-editor-background', '--vscode-sideBar-background'], fallback.background);
  const contrastBorder = read('--vscode-contrastBorder').trim();
  const fontSize = Number.parseFloat(read('--vscode-font-size'));
  return {
    kind,
    foreground,
    mutedForeground: first(read, ['--vscode-descriptionForeground'], withAlpha(foreground, 0.7)),
    background,
    // High contrast wants solid, visible structure (docs/product.md §4.2): the grid uses the contrast border.
    gridColor: highContrast && contrastBorder ? withAlpha(contrastBorder, 0.45) : withAlpha(foreground, 0.12),
    axisColor: highContrast && contrastBorder ? contrastBorder : first(read, ['--vscode-charts-lines'], withAlpha(foreground, 0.5)),
    hoverBackground: first(read, ['--vscode-editorHoverWidget-background', '--vscode-editorWidget-background'], background),
    hoverForeground: first(read, ['--vscode-editorHoverWidget-foreground', '--vscode-editor-foreground'], foreground),
    hoverBorder: first(read, ['--vscode-editorHoverWidget-border', '--vscode-contrastBorder', '--vscode-widget-border'], withAlpha(foreground, 0.3)),
    fontFamily: first(read, ['--vscode-font-family'], 'system-ui, -apple-system, "Segoe UI", sans-serif'),
    fontSize: Number.isFinite(fontSize) && fontSize > 0 ? fontSize : 13,
    // Solid colours: the default themes define charts.orange as the translucent minimap find-match
    // colour (rgba(234, 92, 0, 0.33)), which would draw faint lines that read as "hidden".
    palette: PALETTE_VARIABLES.map((name, index) => opaque(first(read, [name], fallback.palette[index]))),
    alertColor: opaque(first(read, ['--vscode-charts-red', '--vscode-editorError-foreground'], fallback.alert)),
    lineWidth: highContrast ? 2.5 : 1.5,
    faintOpacity: highContrast ? 0.45 : 0.3,
    bandOpacity: highContrast ? 0.3 : 0.2,
  };
}

/** [r, g, b, a] (0–255, alpha 0–1) of a `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()` or `rgba()` colour; null for anything else. */
export function parseColor(color: string): [number, number, number, number] | null {
  const text = color.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3,8})$/.exec(text);
  if (hex) {
    const digits = hex[1];
    if (digits.length === 3 || digits.length === 4) {
      const [r, g, b, a = 'f'] = digits.split('');
      return [parseInt(r + r, 16), parseInt(g + g, 16), parseInt(b + b, 16), parseInt(a + a, 16) / 255];
    }
    if (digits.length === 6 || digits.length === 8) {
      const alpha = digits.length === 8 ? parseInt(digits.slice(6, 8), 16) / 255 : 1;
      return [parseInt(digits.slice(0, 2), 16), parseInt(digits.slice(2, 4), 16), parseInt(digits.slice(4, 6), 16), alpha];
    }
    return null;
  }
  const functional = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/.exec(text);
  if (functional) {
    const alphaText = functional[4];
    const alpha = alphaText === undefined ? 1 : alphaText.endsWith('%') ? Number.parseFloat(alphaText) / 100 : Number.parseFloat(alphaText);
    return [Number(functional[1]), Number(functional[2]), Number(functional[3]), alpha];
  }
  return null;
}

/** The colour without transparency, as `rgb(…)` when it had some; a colour it cannot parse is returned as it is. */
export function opaque(color: string): string {
  const parsed = parseColor(color);
  if (!parsed || parsed[3] >= 1) return color;
  return `rgb(${parsed[0]}, ${parsed[1]}, ${parsed[2]})`;
}

/**
 * The colour of series number `index` (a condition, or a seed when seeds have their own colours).
 * The first cycle is the theme's palette; a study with more conditions than the palette's six (a
 * grid) gets the palette again mixed 45 % towards the background, then 35 % towards the
 * foreground, so that no two of its first eighteen series share a colour.
 */
export function seriesColor(theme: Pick<ChartTheme, 'palette' | 'background' | 'foreground'>, index: number): string {
  const base = theme.palette[index % theme.palette.length];
  const cycle = Math.floor(index / theme.palette.length) % 3;
  if (cycle === 0) return base;
  return mixColors(base, cycle === 1 ? theme.background : theme.foreground, cycle === 1 ? 0.45 : 0.35);
}

/** `color` moved a fraction `amount` of the way to `towards`, as `rgb(…)`; `color` as it is when either cannot be parsed. */
export function mixColors(color: string, towards: string, amount: number): string {
  const from = parseColor(color);
  const to = parseColor(towards);
  if (!from || !to) return color;
  const channel = (index: number) => Math.round(from[index] + (to[index] - from[index]) * amount);
  return `rgb(${channel(0)}, ${channel(1)}, ${channel(2)})`;
}

/** The colour with its alpha multiplied by `alpha`, as `rgba(…)`; a colour it cannot parse is returned as it is. */
export function withAlpha(color: string, alpha: number): string {
  const parsed = parseColor(color);
  if (!parsed) return color;
  const [r, g, b, a] = parsed;
  return `rgba(${r}, ${g}, ${b}, ${Math.round(a * alpha * 1000) / 1000})`;
}
