/** Wait until `idle()` is true, polling every 10 ms, for at most timeoutMs (then give up quietly). */
export async function waitUntilIdle(idle: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!idle()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
