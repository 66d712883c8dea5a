// The bundled MNIST images (web/scripts/assets.ts writes them): n×784 bytes, then n labels.

export interface TestImages {
  count: number;
  /** Image i as 784 floats in [0, 1], as loadMnist normalises them. */
  image(i: number): Float32Array;
  label(i: number): number;
  /** Image i's bytes (0..255), for thumbnails. */
  bytes(i: number): Uint8Array;
}

const SIDE = 28 * 28;

export function parseTestImages(file: Uint8Array): TestImages {
  const count = file.length / (SIDE + 1);
  if (!Number.isInteger(count) || count < 1) throw new Error(`an MNIST file has ${file.length} bytes, not n×785`);
  return {
    count,
    image: (i) => Float32Array.from(file.subarray(i * SIDE, (i + 1) * SIDE), (v) => v / 255),
    label: (i) => file[count * SIDE + i],
    bytes: (i) => file.subarray(i * SIDE, (i + 1) * SIDE),
  };
}

/** The bytes of a file served beside the page (whose address a worker is told: it has no document). */
export async function fetchBytes(name: string, base = document.baseURI): Promise<Uint8Array> {
  const url = new URL(name, base);
  const response = await fetch(url);
  if (!response.ok)
    throw new Error(
      `fetching ${url.pathname} failed with HTTP ${response.status} (run npm run web, which writes web/public/)`,
    );
  return new Uint8Array(await response.arrayBuffer());
}
