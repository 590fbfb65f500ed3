// Types of esbuild.mjs, for the TypeScript tests of the bench helpers.
import type { Plugin } from 'esbuild';

export const root: string;
export const browserFalsePlugin: Plugin;
export function sourcePlugin(srcRoot?: string): Plugin;
export function sourceEntries(srcRoot?: string): Map<string, string>;
export function sizeOf(
  source: string,
  dir: string,
  plugins?: Plugin[],
): Promise<{ code: string; min: number; gz: number; lazyGz: number; contributors: { file: string; bytes: number }[] }>;
export function bundlePage(entry: string, options?: { src?: boolean; readable?: boolean }): Promise<string>;
