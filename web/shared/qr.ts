import QRCode from 'qrcode';
import { parseSvg } from './dom.js';

/**
 * A QR code drawn in the browser (the `qrcode` package's browser build, as the server draws venue posters): SVG,
 * error correction M, a quiet zone of 4 modules as the standard asks.
 */
export async function qrCodeSvg(text: string, label: string): Promise<SVGSVGElement> {
  const markup = await QRCode.toString(text, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 4,
    color: { dark: '#000000', light: '#ffffff' },
  });
  const qr = parseSvg(markup);
  qr.setAttribute('role', 'img');
  qr.setAttribute('aria-label', label);
  qr.classList.add('qr');
  return qr;
}
