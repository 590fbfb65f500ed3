// Constant-time comparison, so a server-proof check does not leak how many leading bytes matched.

/** True when both arrays hold the same bytes; the time taken depends only on the lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
