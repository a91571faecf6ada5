// Points and directions in patient space (LPS, mm), and where a server picture lies in it: its Pypacs-Plane
// header (corner, right, down, width, height) maps a picture's pixels to points and points back to pixels.

export type Vec3 = [number, number, number];

export const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
export const minus = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const text = (a: Vec3): string => a.map((v) => v.toFixed(2)).join(",");

/** A picture's place in patient space (the server's Pypacs-Plane header). */
export interface PicturePlace {
  corner: Vec3;
  right: Vec3;
  down: Vec3;
  width: number;
  height: number;
  window?: [number, number];
}

/** The patient point under a position in the picture, as fractions (0–1) of its width and height. */
export function pointAt(place: PicturePlace, across: number, along: number): Vec3 {
  return add(add(place.corner, scale(place.right, across * place.width)), scale(place.down, along * place.height));
}

/** Where a patient point falls in the picture, as fractions of its width and height (the point projected). */
export function placeOf(place: PicturePlace, point: Vec3): { across: number; along: number } {
  const relative = minus(point, place.corner);
  return { across: dot(relative, place.right) / place.width, along: dot(relative, place.down) / place.height };
}

export function normalOf(place: PicturePlace): Vec3 {
  return cross(place.right, place.down);
}
