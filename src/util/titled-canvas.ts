import { createCanvas } from '@napi-rs/canvas';

/** A white figure `width` × `height` px with its title at the top left (x = `left`): how every
 * figure filmscore draws begins. */
export function titledCanvas(width: number, height: number, title: string, left: number) {
  const canvas = createCanvas(width, height);
  const g = canvas.getContext('2d');
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, width, height);
  g.font = '15px DejaVu Sans, sans-serif';
  g.fillStyle = '#111';
  g.fillText(title, left, 26);
  return { canvas, g };
}
