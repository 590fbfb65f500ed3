// Types of echo-server.mjs, for the TypeScript tests of the bench helpers.
export function startEchoServer(port?: number): Promise<{ url: string; close(): Promise<void> }>;
