// One view of the 3D page: a picture the server made, asked for with fetch (its Pypacs-Plane header places it in
// patient space), the latest request winning (one in flight, the newest asked for next), with an overlay for the
// crosshair and the path, and pointer positions as fractions of the picture (object-fit: contain letterboxes it).

import { el } from "../ui/dom";
import type { PicturePlace } from "./geometry";

const SVG = "http://www.w3.org/2000/svg";

export class PictureView {
  readonly root: HTMLElement;
  readonly picture: HTMLImageElement;
  readonly overlay: SVGSVGElement;
  readonly label: HTMLElement;
  place: PicturePlace | undefined;
  private inFlight = false;
  private next: string | undefined;
  private shownUrl: string | undefined;

  constructor(readonly name: string, title: string, private readonly failed: (text: string) => void) {
    this.picture = el("img", { class: "volume-picture", alt: title });
    this.overlay = document.createElementNS(SVG, "svg");
    this.overlay.setAttribute("class", "volume-overlay");
    this.overlay.setAttribute("viewBox", "0 0 1 1");
    this.overlay.setAttribute("preserveAspectRatio", "none");
    this.label = el("span", { class: "volume-label" }, title);
    this.root = el("figure", { class: "volume-view", "data-view": name }, this.picture, this.overlay, this.label);
  }

  /** Show the picture at `url` (once the ones before it have come; only the newest waiting one is asked for). */
  show(url: string): void {
    if (url === this.shownUrl && !this.inFlight) return;
    this.next = url;
    if (!this.inFlight) void this.fetchNext();
  }

  private async fetchNext(): Promise<void> {
    const url = this.next;
    if (!url) return;
    this.next = undefined;
    this.inFlight = true;
    this.root.dataset.loading = "true";
    try {
      const response = await fetch(url, { headers: { Accept: "image/jpeg" } });
      if (!response.ok) {
        let detail = `${response.status} ${response.statusText}`;
        try {
          detail = ((await response.json()) as { detail?: string }).detail ?? detail;
        } catch {
          // not a problem+json body
        }
        this.failed(`${this.label.textContent}: ${detail}`);
        return;
      }
      const header = response.headers.get("Pypacs-Plane");
      this.place = header ? (JSON.parse(header) as PicturePlace) : undefined;
      const blob = await response.blob();
      const old = this.picture.src;
      this.picture.src = URL.createObjectURL(blob);
      await this.picture.decode().catch(() => undefined);
      if (old.startsWith("blob:")) URL.revokeObjectURL(old);
      this.shownUrl = url;
      this.root.dataset.url = url;
      this.root.dataset.shown = String(Number(this.root.dataset.shown ?? "0") + 1);
      this.picture.dispatchEvent(new Event("shown"));
    } catch (error) {
      this.failed(`${this.label.textContent}: ${(error as Error).message}`);
    } finally {
      this.inFlight = false;
      delete this.root.dataset.loading;
      if (this.next) void this.fetchNext();
    }
  }

  /** A pointer position as fractions (0–1) of the picture shown, or undefined outside it. */
  fractionAt(event: MouseEvent): { across: number; along: number } | undefined {
    const box = this.picture.getBoundingClientRect();
    const width = this.picture.naturalWidth;
    const height = this.picture.naturalHeight;
    if (!width || !height) return undefined;
    const scale = Math.min(box.width / width, box.height / height);
    const left = box.left + (box.width - width * scale) / 2;
    const top = box.top + (box.height - height * scale) / 2;
    const across = (event.clientX - left) / (width * scale);
    const along = (event.clientY - top) / (height * scale);
    return across >= 0 && across <= 1 && along >= 0 && along <= 1 ? { across, along } : undefined;
  }

  /** Draw the crosshair at a fraction of the picture, and a path (fractions), in the overlay, which covers the
   * picture's own box (letterboxing included). */
  drawMarks(cross: { across: number; along: number } | undefined, path: { across: number; along: number }[] = []): void {
    const box = this.picture.getBoundingClientRect();
    const width = this.picture.naturalWidth;
    const height = this.picture.naturalHeight;
    this.overlay.replaceChildren();
    if (!width || !height || !box.width || !box.height) return;
    const scale = Math.min(box.width / width, box.height / height);
    const x = (f: number) => ((box.width - width * scale) / 2 + f * width * scale) / box.width;
    const y = (f: number) => ((box.height - height * scale) / 2 + f * height * scale) / box.height;
    const line = (x1: number, y1: number, x2: number, y2: number, kind: string) => {
      const item = document.createElementNS(SVG, "line");
      for (const [name, value] of Object.entries({ x1, y1, x2, y2 })) item.setAttribute(name, String(value));
      item.setAttribute("class", kind);
      this.overlay.append(item);
    };
    if (cross && cross.across >= 0 && cross.across <= 1 && cross.along >= 0 && cross.along <= 1) {
      line(x(cross.across), y(0), x(cross.across), y(1), "crosshair");
      line(x(0), y(cross.along), x(1), y(cross.along), "crosshair");
    }
    for (let index = 1; index < path.length; index += 1) {
      const a = path[index - 1]!;
      const b = path[index]!;
      line(x(a.across), y(a.along), x(b.across), y(b.along), "path");
    }
  }
}
