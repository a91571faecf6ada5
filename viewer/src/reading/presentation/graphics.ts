// A presentation state's graphic and text objects (PS3.3 C.10.5) drawn as SVG over a viewport: points, polylines,
// interpolated curves, circles, ellipses, texts in a box or by an anchor (with its line when visible). An arrow is a
// two-point polyline with a visible text anchored at one end: that end gets a head. Positions come from a function
// placing image (or display) coordinates on the screen; nothing here knows Cornerstone. DICOM text stays text.

import type { Annotation, Graphic, ImagePoint, Text, Units } from "../../api/documents";

const SVG = "http://www.w3.org/2000/svg";
const LINE_HEIGHT = 15;
const ARROW_HEAD = 11; // screen pixels

/** Where a point of the given units is on the screen (CSS pixels from the viewport's top left). */
export type Placement = (point: ImagePoint, units: Units) => [number, number];

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

function pointsText(points: [number, number][]): string {
  return points.map(([x, y]) => `${x.toFixed(2)},${y.toFixed(2)}`).join(" ");
}

/** Points around a circle (centre, a point on it) or an ellipse (major axis ends, minor axis ends), in image space. */
function outline(graphic: Graphic): ImagePoint[] {
  const [a, b, c, d] = graphic.points as [ImagePoint, ImagePoint, ImagePoint?, ImagePoint?];
  let centre: ImagePoint;
  let major: ImagePoint;
  let minor: ImagePoint;
  if (graphic.type === "CIRCLE") {
    centre = a;
    const radius = Math.hypot(b[0] - a[0], b[1] - a[1]);
    major = [radius, 0];
    minor = [0, radius];
  } else {
    centre = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    major = [(b[0] - a[0]) / 2, (b[1] - a[1]) / 2];
    minor = c && d ? [(d[0] - c[0]) / 2, (d[1] - c[1]) / 2] : [-major[1], major[0]];
  }
  const steps = 72;
  return Array.from({ length: steps + 1 }, (_, step) => {
    const angle = (2 * Math.PI * step) / steps;
    return [centre[0] + major[0] * Math.cos(angle) + minor[0] * Math.sin(angle), centre[1] + major[1] * Math.cos(angle) + minor[1] * Math.sin(angle)];
  });
}

/** A smooth curve through the points (Catmull-Rom as cubic Béziers), for INTERPOLATED. */
function curve(points: [number, number][]): string {
  const at = (index: number) => points[Math.max(0, Math.min(points.length - 1, index))]!;
  let path = `M${points[0]![0]},${points[0]![1]}`;
  for (let index = 0; index < points.length - 1; index += 1) {
    const [p0, p1, p2, p3] = [at(index - 1), at(index), at(index + 1), at(index + 2)];
    const c1 = [p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6];
    const c2 = [p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6];
    path += ` C${c1[0]},${c1[1]} ${c2[0]},${c2[1]} ${p2[0]},${p2[1]}`;
  }
  return path;
}

function graphicElement(graphic: Graphic, place: Placement): SVGElement {
  const units = graphic.units ?? "PIXEL";
  const attributes = { class: `ps-graphic${graphic.filled ? " ps-filled" : ""}`, "data-graphic-type": graphic.type };
  if (graphic.type === "POINT") {
    const [x, y] = place(graphic.points[0]!, units);
    return svg("circle", { ...attributes, cx: x, cy: y, r: 3 });
  }
  if (graphic.type === "CIRCLE" || graphic.type === "ELLIPSE") {
    return svg("polygon", { ...attributes, points: pointsText(outline(graphic).map((point) => place(point, units))) });
  }
  const screen = graphic.points.map((point) => place(point, units));
  if (graphic.type === "INTERPOLATED") return svg("path", { ...attributes, d: curve(screen) });
  return svg(graphic.filled ? "polygon" : "polyline", { ...attributes, points: pointsText(screen) });
}

function near(a: ImagePoint, b: ImagePoint): boolean {
  return Math.abs(a[0] - b[0]) < 0.01 && Math.abs(a[1] - b[1]) < 0.01;
}

/** Heads for arrows: two-point polylines ending where a visible text anchor is; those texts go in `pointing`. */
function arrowHeads(annotation: Annotation, place: Placement, pointing: Set<Text>): SVGElement[] {
  const heads: SVGElement[] = [];
  for (const graphic of annotation.graphics ?? []) {
    if (graphic.type !== "POLYLINE" || graphic.points.length !== 2) continue;
    const units = graphic.units ?? "PIXEL";
    for (const [tip, tail] of [[1, 0], [0, 1]] as const) {
      const end = graphic.points[tip]!;
      const pointed = (annotation.texts ?? []).filter((text) => text.anchor && text.anchorVisible !== false && (text.units ?? "PIXEL") === units && near(text.anchor, end));
      if (pointed.length === 0) continue;
      for (const text of pointed) pointing.add(text);
      const [x, y] = place(end, units);
      const [fromX, fromY] = place(graphic.points[tail]!, units);
      const angle = Math.atan2(y - fromY, x - fromX);
      const wing = (side: number): [number, number] => [x - ARROW_HEAD * Math.cos(angle + side * 0.45), y - ARROW_HEAD * Math.sin(angle + side * 0.45)];
      heads.push(svg("polygon", { class: "ps-arrow-head", "data-arrow-head": "", points: pointsText([[x, y], wing(1), wing(-1)]) }));
    }
  }
  return heads;
}

/** A text in its box or by its anchor; `arrow`: its anchor is an arrow's head, the arrow is its line. */
function textElement(text: Text, place: Placement, arrow: boolean): SVGElement {
  const units = text.units ?? "PIXEL";
  const group = svg("g", { class: "ps-text-group" });
  const lines = text.text.split(/\r\n|\r|\n/);
  const anchor = text.anchor ? place(text.anchor, units) : undefined;
  let x: number;
  let y: number;
  let align: "start" | "middle" | "end" = "start";
  let box: { left: number; top: number; right: number; bottom: number } | undefined;
  if (text.box) {
    const [left, top, right, bottom] = text.box;
    const corners = [place([left, top], units), place([right, top], units), place([left, bottom], units), place([right, bottom], units)];
    box = {
      left: Math.min(...corners.map((c) => c[0])), right: Math.max(...corners.map((c) => c[0])),
      top: Math.min(...corners.map((c) => c[1])), bottom: Math.max(...corners.map((c) => c[1])),
    };
    const justification = text.justification ?? "CENTER";
    align = justification === "LEFT" ? "start" : justification === "RIGHT" ? "end" : "middle";
    x = align === "start" ? box.left + 2 : align === "end" ? box.right - 2 : (box.left + box.right) / 2;
    y = box.top + LINE_HEIGHT - 3;
  } else {
    // by its anchor: beside it with a line to it when visible, else starting at it (a note)
    const visible = text.anchorVisible !== false;
    [x, y] = anchor ? (visible ? [anchor[0] + 14, anchor[1] - 14 - (lines.length - 1) * LINE_HEIGHT] : [anchor[0], anchor[1] + LINE_HEIGHT - 3]) : [0, 0];
  }
  if (anchor && text.anchorVisible !== false && !arrow) {
    const from: [number, number] = box
      ? [Math.max(box.left, Math.min(box.right, anchor[0])), Math.max(box.top, Math.min(box.bottom, anchor[1]))]
      : [x - 2, y + 2 + (lines.length - 1) * LINE_HEIGHT];
    group.append(svg("line", { class: "ps-anchor-line", x1: from[0], y1: from[1], x2: anchor[0], y2: anchor[1] }));
  }
  const element = svg("text", { class: "ps-text", x, y, "text-anchor": align, "data-text": text.text });
  lines.forEach((line, index) => {
    const span = svg("tspan", { x, dy: index ? LINE_HEIGHT : 0 });
    span.textContent = line;
    element.append(span);
  });
  group.append(element);
  return group;
}

/** Draw the annotations into the SVG, replacing what it showed. */
export function drawAnnotations(layer: SVGSVGElement, annotations: Annotation[], place: Placement): void {
  const children: SVGElement[] = [];
  for (const annotation of annotations) {
    const group = svg("g", { class: "ps-annotation", "data-layer": annotation.layer });
    for (const graphic of annotation.graphics ?? []) group.append(graphicElement(graphic, place));
    const pointing = new Set<Text>();
    group.append(...arrowHeads(annotation, place, pointing));
    for (const text of annotation.texts ?? []) group.append(textElement(text, place, pointing.has(text)));
    children.push(group);
  }
  layer.replaceChildren(...children);
}

export function svgLayer(className: string): SVGSVGElement {
  return svg("svg", { class: className, "aria-hidden": "true" });
}
