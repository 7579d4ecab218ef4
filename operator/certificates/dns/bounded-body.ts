// A DNS API's answer, read with a bound: a hostile or broken endpoint cannot fill memory or one log line.

/** Reads at most `max` bytes of the body (the rest is discarded) as UTF-8; `cut` says whether it was longer. */
export async function boundedText(res: Response, max: number): Promise<{ text: string; cut: boolean }> {
  const reader = res.body?.getReader();
  if (reader === undefined) return { text: '', cut: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = max - size;
      if (value.length > room) {
        chunks.push(value.subarray(0, room));
        size = max;
        cut = true;
        break;
      }
      chunks.push(value);
      size += value.length;
    }
  } finally {
    if (cut) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  return { text: Buffer.concat(chunks, size).toString('utf8'), cut };
}
