// Chart colours from the --vscode-* variables of light, dark and high-contrast themes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chartTheme, mixColors, opaque, parseColor, seriesColor, themeKindOf, withAlpha } from '../../src/webview/theme';

const reader = (variables: Record<string, string>) => (name: string) => variables[name] ?? '';

describe('webview theme', () => {
  it('reads the theme kind from the body classes VS Code sets', () => {
    assert.equal(themeKindOf(['vscode-light']), 'light');
    assert.equal(themeKindOf(['vscode-dark']), 'dark');
    assert.equal(themeKindOf(['vscode-high-contrast']), 'highContrast');
    assert.equal(themeKindOf(['vscode-high-contrast', 'vscode-high-contrast-light']), 'highContrastLight');
    assert.equal(themeKindOf([], 'vscode-light'), 'light');
    assert.equal(themeKindOf([]), 'dark');
  });

  it('takes the series palette from --vscode-charts-* and text from the editor', () => {
    const theme = chartTheme(
      reader({
        '--vscode-editor-foreground': '#3b3b3b',
        '--vscode-editor-background': '#ffffff',
        '--vscode-charts-blue': '#1a85ff',
        '--vscode-charts-orange': '#d18616',
        '--vscode-charts-green': '#388a34',
        '--vscode-charts-red': '#e51400',
        '--vscode-charts-purple': '#652d90',
        '--vscode-charts-yellow': '#bf8803',
        '--vscode-font-size': '13px',
        '--vscode-font-family': 'Segoe UI',
      }),
      'light',
    );
    assert.deepEqual(theme.palette, ['#1a85ff', '#d18616', '#388a34', '#e51400', '#652d90', '#bf8803']);
    assert.equal(theme.foreground, '#3b3b3b');
    assert.equal(theme.background, '#ffffff');
    assert.equal(theme.alertColor, '#e51400');
    assert.equal(theme.fontSize, 13);
    assert.equal(theme.fontFamily, 'Segoe UI');
    assert.equal(theme.gridColor, 'rgba(59, 59, 59, 0.12)');
  });

  it('draws series in solid colours even where the theme’s chart colour is translucent', () => {
    // Dark Modern (VS Code 1.10x): charts.orange is the minimap find-match colour.
    const theme = chartTheme(reader({ '--vscode-charts-orange': 'rgba(234, 92, 0, 0.33)', '--vscode-charts-blue': '#59a4f9' }), 'dark');
    assert.deepEqual(theme.palette.slice(0, 2), ['#59a4f9', 'rgb(234, 92, 0)']);
    assert.equal(opaque('#ffffff80'), 'rgb(255, 255, 255)');
    assert.equal(opaque('#3794ff'), '#3794ff');
  });

  it('falls back to the default themes’ colours when a variable is missing', () => {
    const dark = chartTheme(reader({}), 'dark');
    assert.equal(dark.background, '#1f1f1f');
    assert.equal(dark.palette.length, 6);
    assert.equal(chartTheme(reader({}), 'light').background, '#ffffff');
  });

  it('uses solid structure and thicker lines in high contrast', () => {
    const theme = chartTheme(reader({ '--vscode-contrastBorder': '#6fc3df', '--vscode-editor-foreground': '#ffffff', '--vscode-editor-background': '#000000' }), 'highContrast');
    assert.equal(theme.axisColor, '#6fc3df');
    assert.equal(theme.gridColor, 'rgba(111, 195, 223, 0.45)');
    assert.ok(theme.lineWidth > chartTheme(reader({}), 'dark').lineWidth);
  });

  it('parses the colour forms VS Code variables use and scales their alpha', () => {
    assert.deepEqual(parseColor('#3794ff'), [55, 148, 255, 1]);
    assert.deepEqual(parseColor('#fff'), [255, 255, 255, 1]);
    assert.deepEqual(parseColor('#ffffff80'), [255, 255, 255, 128 / 255]);
    assert.deepEqual(parseColor('rgba(204, 204, 204, 0.5)'), [204, 204, 204, 0.5]);
    assert.deepEqual(parseColor('rgb(1 2 3 / 50%)'), [1, 2, 3, 0.5]);
    assert.equal(parseColor('var(--x)'), null);
    assert.equal(withAlpha('#3794ff', 0.2), 'rgba(55, 148, 255, 0.2)');
    assert.equal(withAlpha('rgba(204, 204, 204, 0.5)', 0.5), 'rgba(204, 204, 204, 0.25)');
    assert.equal(withAlpha('transparent', 0.5), 'transparent');
  });

  it('gives the series of a study with more conditions than the palette distinct colours', () => {
    const theme = { palette: ['#ff0000', '#00ff00'], background: '#ffffff', foreground: '#000000' };
    const colours = Array.from({ length: 6 }, (_, index) => seriesColor(theme, index));
    assert.deepEqual(colours, ['#ff0000', '#00ff00', 'rgb(255, 115, 115)', 'rgb(115, 255, 115)', 'rgb(166, 0, 0)', 'rgb(0, 166, 0)']);
    assert.equal(new Set(colours).size, 6);
    assert.equal(seriesColor(theme, 6), '#ff0000', 'after three cycles the colours repeat');
    assert.equal(mixColors('#000000', '#ffffff', 0.5), 'rgb(128, 128, 128)');
    assert.equal(mixColors('not a colour', '#ffffff', 0.5), 'not a colour');
  });
});
