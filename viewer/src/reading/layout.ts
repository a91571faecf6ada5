// The viewports on the page: 1×1, 1×2, 2×1 or 2×2 (columns × rows), one of them active (keyboard, toolbar and a
// click on a series act on it). Viewports beyond the layout are switched off but remember what they showed.

import { renderingEngine } from "./cornerstone";
import { retireFirstImage } from "./first-image";
import { ViewportCell, type CellHooks } from "./viewport-cell";

export const LAYOUTS = {
  "1x1": { columns: 1, rows: 1 },
  "1x2": { columns: 1, rows: 2 },
  "2x1": { columns: 2, rows: 1 },
  "2x2": { columns: 2, rows: 2 },
} as const;

export type LayoutName = keyof typeof LAYOUTS;

export class Layout {
  readonly cells: ViewportCell[];
  name: LayoutName = "1x1";
  private activeIndex = 0;

  constructor(private readonly grid: HTMLElement, hooks: Omit<CellHooks, "activate">, private readonly onActivate: (cell: ViewportCell) => void) {
    this.cells = [0, 1, 2, 3].map((index) => new ViewportCell(index, { ...hooks, activate: (cell) => this.activate(cell) }));
    grid.append(...this.cells.map((cell) => cell.root));
    new ResizeObserver(() => renderingEngine().resize(true, true)).observe(grid);
  }

  get visible(): ViewportCell[] {
    const { columns, rows } = LAYOUTS[this.name];
    return this.cells.slice(0, columns * rows);
  }

  get active(): ViewportCell {
    return this.cells[this.activeIndex]!;
  }

  /** Change the layout; the active viewport stays active when it is still shown. */
  set(name: LayoutName): void {
    this.name = name;
    if (name !== "1x1") retireFirstImage(); // it covers the whole grid
    const { columns, rows } = LAYOUTS[name];
    this.grid.dataset.layout = name;
    this.grid.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
    this.grid.style.gridTemplateRows = `repeat(${rows}, minmax(0, 1fr))`;
    const count = columns * rows;
    this.cells.forEach((cell, index) => {
      cell.root.hidden = index >= count;
      if (index >= count) cell.disable();
    });
    renderingEngine().resize(true, true);
    for (const cell of this.visible) cell.enable();
    if (this.activeIndex >= count) this.activate(this.cells[0]!);
    else this.activate(this.active);
  }

  activate(cell: ViewportCell): void {
    this.activeIndex = cell.index;
    for (const each of this.cells) each.root.toggleAttribute("data-active", each === cell);
    this.onActivate(cell);
  }

  /** The next shown viewport without content, else the one after the active one. */
  nextEmpty(): ViewportCell {
    return this.visible.find((cell) => !cell.content) ?? this.active;
  }
}
