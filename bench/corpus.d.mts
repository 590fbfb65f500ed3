// Types of corpus.mjs, for the TypeScript tests of the bench helpers.
export function buildCorpus(count?: number, seed?: number): string[];
export function describeCorpus(frames: string[]): { count: number; avgBytes: number; kinds: Record<string, number> };
