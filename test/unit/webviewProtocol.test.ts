// The host↔webview protocol's boundary checks: well-formed messages pass (also after a JSON round
// trip, as postMessage delivers them), malformed or hostile ones are refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HostToWebviewMessage, WebviewToHostMessage } from '../../src/shared/protocol/webview';
import { WEBVIEW_PROTOCOL_VERSION, isHostMessage, isWebviewMessage, unreachable } from '../../src/shared/protocol/webview';
import type { RunManifest } from '../../src/shared/runFormat';

const manifest = {
  formatVersion: 1,
  runId: 'run-1',
  experiment: 'lockin',
  file: 'experiments/lockin.grok.yaml',
  seeds: [0, 1],
  conditions: [{ name: 'grok', configHash: 'abc', config: { epochs: 400 } }],
  configHash: 'def',
  engine: { name: 'wasm', threads: 1 },
  versions: { grokkingLab: '0.1.0', node: 'v20' },
  startTime: '2026-01-01T00:00:00Z',
  status: 'running',
  producer: 'extension',
} as unknown as RunManifest;

const record = { epoch: 3, trainLoss: 0.5, trainAcc: 0.4, testLoss: 0.9, testAcc: 0.1, weightNorm: 2, eigenvalues: [3, 2, 1, 0.5, 0.1], gap23: 2 };

const validWebviewMessages: WebviewToHostMessage[] = [
  { type: 'ready', protocolVersion: WEBVIEW_PROTOCOL_VERSION },
  { type: 'ready', protocolVersion: WEBVIEW_PROTOCOL_VERSION, runIds: ['run-1', 'run-2'] },
  { type: 'requestRun', runId: 'run-1' },
  { type: 'selectRuns', runIds: ['run-1', 'run-2', 'run-3'] },
  { type: 'saveFile', fileName: 'gap λ2-λ3.png', mime: 'image/png', dataBase64: 'iVBORw0KGgo=' },
  { type: 'saveFile', fileName: 'gap.svg', mime: 'image/svg+xml', text: '<svg/>' },
  { type: 'saveFile', fileName: 'seeds.csv', mime: 'text/csv', text: '' },
  { type: 'openRunFolder', runId: 'run-1' },
  { type: 'log', level: 'error', message: 'Plotly failed to draw' },
];

const validHostMessages: HostToWebviewMessage[] = [
  { type: 'snapshot', protocolVersion: WEBVIEW_PROTOCOL_VERSION, runs: [] },
  {
    type: 'snapshot',
    protocolVersion: WEBVIEW_PROTOCOL_VERSION,
    runs: [
      {
        runId: 'run-1',
        manifest,
        status: 'running',
        timeUnit: 'epoch',
        seeds: [
          { condition: 'grok', seed: 0, status: 'running', epochs: 400, records: [record], decimation: { sourceRecordCount: 9000, method: 'minMaxBuckets' } },
          { condition: 'grok', seed: 1, status: 'failed', message: 'the worker crashed', epochs: 400, records: [] },
        ],
        events: [{ type: 'detectorFired', condition: 'grok', seed: 0, epoch: 120, gap23: 3, gapSlope: 0.05 }],
        summary: null,
      },
      { runId: 'orphan', manifest: null, status: 'interrupted', timeUnit: 'step', seeds: [], events: [], summary: null },
    ],
    focus: { runId: 'run-1', condition: 'grok', seed: 0 },
  },
  {
    type: 'append',
    runs: [
      {
        runId: 'run-1',
        seeds: [
          { condition: 'grok', seed: 0, records: [record, { ...record, epoch: 4 }] },
          { condition: 'grok', seed: 1, records: [], status: { status: 'diverged', message: 'the train loss became NaN at epoch 7' }, restart: false },
        ],
        events: [{ type: 'milestone', condition: 'grok', seed: 0, epoch: 30, milestone: 'memorized' }],
      },
    ],
  },
  { type: 'runStatus', runId: 'run-1', status: 'completed', endTime: '2026-01-01T01:00:00Z', summary: { formatVersion: 1, runId: 'run-1', seeds: [], conditions: [], separation: [] } },
  { type: 'runRemoved', runId: 'run-1' },
];

/** Both sides' dispatch: a new message type without a case fails to compile here. */
function describeWebviewMessage(message: WebviewToHostMessage): string {
  switch (message.type) {
    case 'ready':
    case 'requestRun':
    case 'selectRuns':
    case 'saveFile':
    case 'openRunFolder':
    case 'log':
      return message.type;
    default:
      return unreachable(message);
  }
}
function describeHostMessage(message: HostToWebviewMessage): string {
  switch (message.type) {
    case 'snapshot':
    case 'append':
    case 'runStatus':
    case 'runRemoved':
      return message.type;
    default:
      return unreachable(message);
  }
}

describe('webview protocol', () => {
  it('accepts every well-formed webview message, also after a JSON round trip', () => {
    for (const message of validWebviewMessages) {
      assert.equal(isWebviewMessage(message), true, JSON.stringify(message));
      assert.equal(isWebviewMessage(JSON.parse(JSON.stringify(message))), true, JSON.stringify(message));
      assert.equal(describeWebviewMessage(message), message.type);
      // A webview message is never mistaken for a host message, and conversely.
      assert.equal(isHostMessage(message), false);
    }
  });

  it('accepts every well-formed host message, also after a JSON round trip', () => {
    for (const message of validHostMessages) {
      assert.equal(isHostMessage(message), true, JSON.stringify(message).slice(0, 200));
      assert.equal(isHostMessage(JSON.parse(JSON.stringify(message))), true);
      assert.equal(describeHostMessage(message), message.type);
      assert.equal(isWebviewMessage(message), false);
    }
  });

  it('refuses values that are not messages', () => {
    for (const value of [undefined, null, 0, 'ready', [], [{ type: 'ready', protocolVersion: 1 }], {}, { type: 7 }, { type: 'unknown' }, { type: '__proto__' }]) {
      assert.equal(isWebviewMessage(value), false, JSON.stringify(value));
      assert.equal(isHostMessage(value), false, JSON.stringify(value));
    }
  });

  it('refuses malformed webview messages', () => {
    const invalid: unknown[] = [
      { type: 'ready' },
      { type: 'ready', protocolVersion: '1' },
      { type: 'ready', protocolVersion: 1.5 },
      { type: 'ready', protocolVersion: 1, runIds: ['run-1', 3] },
      { type: 'requestRun' },
      { type: 'requestRun', runId: '' },
      { type: 'selectRuns', runIds: ['run-1'] },
      { type: 'selectRuns', runIds: ['run-1', 'run-1'] },
      { type: 'selectRuns', runIds: 'run-1,run-2' },
      { type: 'openRunFolder', runId: 42 },
      { type: 'log', level: 'fatal', message: 'x' },
      { type: 'log', level: 'info' },
      // saveFile: exactly one content, a known MIME type, a plain file name, real base64.
      { type: 'saveFile', fileName: 'a.png', mime: 'image/png' },
      { type: 'saveFile', fileName: 'a.png', mime: 'image/png', dataBase64: 'AAAA', text: 'x' },
      { type: 'saveFile', fileName: 'a.png', mime: 'image/png', dataBase64: 'data:image/png;base64,AAAA' },
      { type: 'saveFile', fileName: 'a.exe', mime: 'application/x-msdownload', text: 'MZ' },
      { type: 'saveFile', fileName: '../../.bashrc', mime: 'text/csv', text: 'x' },
      { type: 'saveFile', fileName: '/etc/passwd', mime: 'text/csv', text: 'x' },
      { type: 'saveFile', fileName: 'C:\\Windows\\x.csv', mime: 'text/csv', text: 'x' },
      { type: 'saveFile', fileName: 'line\nbreak.csv', mime: 'text/csv', text: 'x' },
      { type: 'saveFile', fileName: '', mime: 'text/csv', text: 'x' },
      { type: 'saveFile', fileName: 'x'.repeat(300), mime: 'text/csv', text: 'x' },
    ];
    for (const value of invalid) assert.equal(isWebviewMessage(value), false, JSON.stringify(value).slice(0, 120));
  });

  it('refuses malformed host messages, down to a record without an epoch', () => {
    const snapshot = validHostMessages[1] as Extract<HostToWebviewMessage, { type: 'snapshot' }>;
    const run = snapshot.runs[0];
    const seed = run.seeds[0];
    const withRun = (patch: object) => ({ ...snapshot, runs: [{ ...run, ...patch }] });
    const withSeed = (patch: object) => withRun({ seeds: [{ ...seed, ...patch }] });
    const invalid: unknown[] = [
      { type: 'snapshot', runs: [] },
      { type: 'snapshot', protocolVersion: 1 },
      { ...snapshot, focus: { runId: 'run-1', condition: 'grok' } },
      withRun({ runId: '' }),
      withRun({ status: 'paused' }),
      // Protocol 2: a run says what its rows count, one of the known units.
      withRun({ timeUnit: undefined }),
      withRun({ timeUnit: 'minute' }),
      withRun({ manifest: undefined }),
      withRun({ manifest: { runId: 'run-1' } }),
      withRun({ summary: {} }),
      withRun({ events: [{ type: 'detectorFired', condition: 'grok', seed: 0 }] }),
      withRun({ events: [{ type: 'gossip', condition: 'grok', seed: 0, epoch: 1 }] }),
      withSeed({ status: 'sleeping' }),
      withSeed({ seed: -1 }),
      withSeed({ epochs: undefined }),
      withSeed({ records: [{ trainLoss: 1 }] }),
      withSeed({ records: [{ ...record, epoch: -2 }] }),
      withSeed({ records: [null] }),
      withSeed({ records: 'many' }),
      withSeed({ decimation: { sourceRecordCount: 10 } }),
      { type: 'append' },
      { type: 'append', runs: [{ runId: 'run-1', seeds: [] }] },
      { type: 'append', runs: [{ runId: 'run-1', seeds: [{ condition: 'grok', seed: 0 }], events: [] }] },
      { type: 'append', runs: [{ runId: 'run-1', seeds: [{ condition: 'grok', seed: 0, records: [], status: { status: 'odd' } }], events: [] }] },
      { type: 'append', runs: [{ runId: 'run-1', seeds: [{ condition: 'grok', seed: 0, records: [], restart: 'yes' }], events: [] }] },
      { type: 'runStatus', runId: 'run-1', status: 'done' },
      { type: 'runStatus', runId: 'run-1', status: 'completed', summary: [] },
      { type: 'runRemoved' },
    ];
    for (const value of invalid) assert.equal(isHostMessage(value), false, JSON.stringify(value).slice(0, 160));
  });
});
