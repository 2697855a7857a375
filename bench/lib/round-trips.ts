/** Times `count` sequential GETs of `url` (a baseline: what one HTTP round trip costs on this machine now). */
export async function roundTrips(url: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    out.push(performance.now() - started);
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
  }
  return out;
}
