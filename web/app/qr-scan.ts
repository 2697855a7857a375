import jsqr from 'jsqr';

// jsqr is CommonJS; its export is the decoder, which also carries itself as `default` (how TypeScript types it).
const jsQR = jsqr.default;

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource | ImageBitmap): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorConstructor = new (options: { formats: string[] }) => BarcodeDetectorLike;

/** The browser's own QR reader where it has one (Android Chrome, Safari), else jsQR on the pixels. */
async function nativeDetector(): Promise<BarcodeDetectorLike | null> {
  const Detector = (
    globalThis as { BarcodeDetector?: BarcodeDetectorConstructor & { getSupportedFormats?: () => Promise<string[]> } }
  ).BarcodeDetector;
  if (Detector === undefined) return null;
  const formats = (await Detector.getSupportedFormats?.()) ?? [];
  return formats.includes('qr_code') ? new Detector({ formats: ['qr_code'] }) : null;
}

/** Reads the QR code in a picture or a video frame; null when there is none. */
export async function decodeQr(
  source: HTMLVideoElement | ImageBitmap,
  width: number,
  height: number,
): Promise<string | null> {
  const detector = await nativeDetector();
  if (detector !== null) {
    const [found] = await detector.detect(source);
    return found?.rawValue ?? null;
  }
  const canvas = document.createElement('canvas');
  // Large photos are scaled down: jsQR needs a few pixels per module, not twelve megapixels.
  const scale = Math.min(1, 1024 / Math.max(width, height));
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (context === null) return null;
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  return jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: 'attemptBoth' })?.data ?? null;
}

/** Reads the QR code in a photo the person took or chose. */
export async function decodeQrPhoto(file: Blob): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  try {
    return await decodeQr(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

/** Scans with the camera until a QR code is seen or `stop()` is called. */
export class CameraScanner {
  private stream: MediaStream | null = null;
  private stopped = false;

  constructor(private readonly video: HTMLVideoElement) {}

  static available(): boolean {
    return typeof navigator.mediaDevices?.getUserMedia === 'function';
  }

  async scan(): Promise<string | null> {
    this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    this.video.srcObject = this.stream;
    await this.video.play();
    while (!this.stopped) {
      if (this.video.videoWidth > 0) {
        const code = await decodeQr(this.video, this.video.videoWidth, this.video.videoHeight);
        if (code !== null) {
          this.stop();
          return code;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return null;
  }

  stop(): void {
    this.stopped = true;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }
}
