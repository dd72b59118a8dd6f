/**
 * The extension's settings (`contributes.configuration` in package.json; ids in
 * src/extension/commands.ts SETTINGS), read where they are used so that a change applies at once.
 */
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { SETTINGS } from './commands';
import type { EngineName } from '../shared/config/types';

/** The default of `grokkingLab.runsFolder`, relative to each workspace folder. */
export const DEFAULT_RUNS_FOLDER = '.grokking-lab/runs';

function sectionAndKey(id: string): [string, string] {
  const dot = id.indexOf('.');
  return [id.slice(0, dot), id.slice(dot + 1)];
}

function setting<T>(id: string, scope?: vscode.ConfigurationScope): T | undefined {
  const [section, key] = sectionAndKey(id);
  return vscode.workspace.getConfiguration(section, scope).get<T>(key);
}

/** `~/x` → home/x; relative paths against `base`; absolute paths as they are. */
export function resolveFolderSetting(value: string, base: string | undefined): string | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (trimmed === '~' || trimmed.startsWith('~/')) return path.join(os.homedir(), trimmed.slice(1));
  if (path.isAbsolute(trimmed)) return path.normalize(trimmed);
  return base === undefined ? undefined : path.resolve(base, trimmed);
}

/** The runs folder of a workspace folder (absolute), from `grokkingLab.runsFolder`. */
export function runsFolderOf(folder: vscode.WorkspaceFolder): string {
  const value = setting<string>(SETTINGS.runsFolder, folder.uri) ?? DEFAULT_RUNS_FOLDER;
  return resolveFolderSetting(value, folder.uri.fsPath) ?? path.resolve(folder.uri.fsPath, DEFAULT_RUNS_FOLDER);
}

/** Every runs folder of the window: one per workspace folder (the same folder once), or an absolute setting without a workspace. */
export function allRunsFolders(): string[] {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const found = folders.map(runsFolderOf);
  if (folders.length === 0) {
    const absolute = resolveFolderSetting(setting<string>(SETTINGS.runsFolder) ?? '', undefined);
    if (absolute) found.push(absolute);
  }
  return [...new Set(found)];
}

/** `grokkingLab.maxConcurrentSeeds`, with 0 (the default) meaning the number of cores. */
export function maxConcurrentSeeds(): number {
  const value = setting<number>(SETTINGS.maxConcurrentSeeds) ?? 0;
  return Number.isInteger(value) && value > 0 ? value : Math.max(1, os.availableParallelism());
}

/**
 * The engine the user chose in `grokkingLab.engine`, or undefined when the setting was never set:
 * then each experiment file's own `engine.name` applies. An explicit setting overrides the files,
 * like the CLI's `--engine`.
 */
export function engineOverride(scope?: vscode.ConfigurationScope): EngineName | undefined {
  const [section, key] = sectionAndKey(SETTINGS.engine);
  const inspected = vscode.workspace.getConfiguration(section, scope).inspect<string>(key);
  const chosen = inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
  return chosen === 'wasm' || chosen === 'tfjs' ? chosen : undefined;
}

/** `grokkingLab.notifications.detector`: whether a detector fire shows a notification. */
export function detectorNotificationsEnabled(): boolean {
  return setting<boolean>(SETTINGS.detectorNotifications) ?? true;
}

/** `grokkingLab.dashboard.openOnRun`: whether launching a run opens its live dashboard. */
export function openDashboardOnRun(): boolean {
  return setting<boolean>(SETTINGS.openDashboardOnRun) ?? true;
}

/** Turns detector notifications off for the user (the notification's Mute action). */
export async function muteDetectorNotifications(): Promise<void> {
  const [section, key] = sectionAndKey(SETTINGS.detectorNotifications);
  await vscode.workspace.getConfiguration(section).update(key, false, vscode.ConfigurationTarget.Global);
}

/** Whether a configuration change touches one of these settings. */
export function affects(event: vscode.ConfigurationChangeEvent, ...ids: string[]): boolean {
  return ids.some((id) => event.affectsConfiguration(id));
}
