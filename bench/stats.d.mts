// Types of stats.mjs, for the TypeScript tests of the bench helpers.
export function median(values: number[]): number;
export function spread(values: number[]): [number, number];
export function fmt(value: number | undefined | null, digits?: number): string;
export function ratio(ours: number | undefined, peer: number | undefined, digits?: number): string;
export function kib(bytes: number): string;
