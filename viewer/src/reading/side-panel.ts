// The panel at the right of the viewports: one of its tabs at a time (measurements, presentation states and key
// images, DICOM tags), or closed. The toolbar's buttons and the keyboard open and close it.

import { el } from "../ui/dom";

interface Tab {
  button: HTMLButtonElement;
  content: HTMLElement;
  shown?: () => void;
}

export class SidePanel {
  private readonly tabs = new Map<string, Tab>();
  private readonly header: HTMLElement;
  private readonly body: HTMLElement;
  current: string | undefined;
  /** Told whenever a tab is shown or the panel closed (the toolbar's buttons follow). */
  onChange: ((id: string | undefined) => void) | undefined;

  constructor(private readonly element: HTMLElement) {
    this.header = el("div", { class: "side-tabs", role: "tablist" });
    const close = el("button", { type: "button", class: "link side-close", "aria-label": "Close the panel", title: "Close (Esc)" }, "×");
    close.addEventListener("click", () => this.show(undefined));
    this.body = el("div", { class: "side-body" });
    element.append(el("div", { class: "side-head" }, this.header, close), this.body);
    element.hidden = true;
  }

  add(id: string, label: string, content: HTMLElement, shown?: () => void): void {
    const button = el("button", { type: "button", role: "tab", "data-tab": id, "aria-selected": "false" }, label);
    button.addEventListener("click", () => this.show(id));
    content.dataset.panel = id;
    content.hidden = true;
    this.header.append(button);
    this.body.append(content);
    this.tabs.set(id, { button, content, shown });
  }

  show(id: string | undefined): void {
    this.current = id;
    this.element.hidden = id === undefined;
    for (const [name, tab] of this.tabs) {
      tab.content.hidden = name !== id;
      tab.button.setAttribute("aria-selected", String(name === id));
    }
    if (id) this.tabs.get(id)?.shown?.();
    this.onChange?.(id);
  }

  toggle(id: string): void {
    this.show(this.current === id ? undefined : id);
  }

  isShowing(id: string): boolean {
    return this.current === id;
  }
}
