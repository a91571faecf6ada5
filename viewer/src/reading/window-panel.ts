// The window controls of the toolbar: the presets menu (each with its key and the range radiologists use, the
// chosen one's range as two sliders to pick within it) and a form to type a width and level. They act on the
// active viewport and follow it.

import { el, replace, setValueIfChanged } from "../ui/dom";
import type { ViewportCell } from "./viewport-cell";
import {
  currentWindow,
  presetRange,
  presetWindow,
  setWindow,
  windowPresets,
  windowText,
  type Window,
  type WindowPreset,
} from "./windowing";

export class WindowPanel {
  readonly element: HTMLElement;
  private readonly menu: HTMLDetailsElement;
  private readonly list: HTMLElement;
  private readonly width: HTMLInputElement;
  private readonly level: HTMLInputElement;
  private readonly within: HTMLElement;
  private presets: WindowPreset[] = [];
  private chosen: WindowPreset | undefined;

  constructor(private readonly activeCell: () => ViewportCell) {
    this.list = el("div", { class: "menu-list", role: "menu" });
    this.menu = el("details", { class: "menu presets-menu" }, el("summary", { class: "button", title: "Window presets" }, "Presets"), this.list);
    this.width = el("input", { type: "number", name: "width", min: 1, step: "any", "aria-label": "Window width", title: "Window width" });
    this.level = el("input", { type: "number", name: "level", step: "any", "aria-label": "Window level (centre)", title: "Window level (centre)" });
    const form = el("form", { class: "window-form", "aria-label": "Window" }, el("label", {}, "W", this.width), el("label", {}, "L", this.level), el("button", { type: "submit" }, "Set"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const width = Number(this.width.value);
      const level = Number(this.level.value);
      if (Number.isFinite(width) && width > 0 && Number.isFinite(level)) this.apply({ width, level }, undefined);
    });
    this.within = el("div", { class: "preset-range", hidden: true });
    this.element = el("div", { class: "tool-group window-controls" }, this.menu, form, this.within);
    void windowPresets().then((presets) => this.fill(presets));
  }

  /** The presets, for the keyboard: key → preset. */
  byKey(): Map<string, WindowPreset> {
    return new Map(this.presets.map((preset) => [preset.key, preset]));
  }

  get loaded(): WindowPreset[] {
    return this.presets;
  }

  private fill(presets: WindowPreset[]): void {
    this.presets = presets;
    replace(
      this.list,
      ...presets.map((preset) => {
        const item = el(
          "button",
          { type: "button", role: "menuitem", class: "preset", "data-preset": preset.id },
          el("kbd", {}, preset.key),
          el("span", { class: "preset-name" }, preset.name),
          el("span", { class: "preset-range-text" }, presetRange(preset)),
        );
        item.addEventListener("click", () => {
          this.menu.open = false;
          this.applyPreset(preset);
        });
        return item;
      }),
    );
  }

  applyPreset(preset: WindowPreset): void {
    const viewport = this.activeCell().viewport;
    if (!viewport) return;
    const window = presetWindow(viewport, preset);
    if (window) this.apply(window, preset);
  }

  apply(window: Window, preset: WindowPreset | undefined): void {
    const viewport = this.activeCell().viewport;
    if (!viewport) return;
    this.chosen = preset;
    setWindow(viewport, window);
    this.showWithin(preset, window);
  }

  /** Sliders within a preset's ranges (width and level), to pick within what radiologists use. */
  private showWithin(preset: WindowPreset | undefined, window: Window): void {
    this.within.hidden = !preset?.width || !preset.level;
    if (!preset?.width || !preset.level) return;
    const slider = (name: "width" | "level", range: { min: number; max: number }, value: number) => {
      const input = el("input", { type: "range", name, min: range.min, max: range.max, step: 1, value, "aria-label": `${preset.name} ${name}` });
      input.addEventListener("input", () => {
        const current = currentWindow(this.activeCell().viewport!) ?? window;
        this.apply(name === "width" ? { ...current, width: Number(input.value) } : { ...current, level: Number(input.value) }, preset);
      });
      return el("label", {}, `${name === "width" ? "W" : "L"} ${range.min}–${range.max}`, input);
    };
    replace(this.within, el("span", { class: "preset-chosen" }, preset.name), slider("width", preset.width, window.width), slider("level", preset.level, window.level));
  }

  /** Follow the active viewport's window (not while the reader types in the form). */
  follow(cell: ViewportCell): void {
    const viewport = cell.viewport;
    const window = viewport && viewport.getCornerstoneImage() ? currentWindow(viewport) : undefined;
    if (!window) return;
    const [width, level] = windowText(window).split("/");
    if (document.activeElement !== this.width) setValueIfChanged(this.width, width ?? "");
    if (document.activeElement !== this.level) setValueIfChanged(this.level, level ?? "");
    if (this.chosen?.width && this.chosen.level) {
      const inside = window.width >= this.chosen.width.min && window.width <= this.chosen.width.max
        && window.level >= this.chosen.level.min && window.level <= this.chosen.level.max;
      if (!inside) {
        this.chosen = undefined;
        this.within.hidden = true;
      }
    }
  }
}
