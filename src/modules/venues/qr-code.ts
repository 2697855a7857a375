import QRCode from 'qrcode';

/** The venue code as a printable QR code (SVG, error correction M, quiet zone of 4 modules as the standard asks). */
export function venueQrSvg(code: string): Promise<string> {
  return QRCode.toString(code, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 4,
    color: { dark: '#000000', light: '#ffffff' },
  });
}
