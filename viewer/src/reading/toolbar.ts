// The reading page's toolbar: groups of buttons, each naming its key in its tooltip; toggles show their state
// with aria-pressed, brought up to date by refresh().

import { el } from "../ui/dom";
import { keyName } from "./shortcuts";

export interface ToolbarButton {
  id: string;
  label: string;
  title: string;
  keys?: string[];
  run: () => void;
  /** For toggles and choices: whether it is on. */
  pressed?: () => boolean;
}

export class Toolbar {
  readonly element: HTMLElement;
  private readonly toggles: [HTMLButtonElement, () => boolean][] = [];

  constructor(element: HTMLElement) {
    this.element = element;
    element.setAttribute("role", "toolbar");
  }

  group(name: string, buttons: ToolbarButton[], extra: HTMLElement[] = []): HTMLElement {
    const group = el("div", { class: "tool-group", role: "group", "aria-label": name });
    for (const button of buttons) group.append(this.button(button));
    group.append(...extra);
    this.element.append(group);
    return group;
  }

  button({ id, label, title, keys, run, pressed }: ToolbarButton): HTMLButtonElement {
    const hint = keys?.length ? `${title} (${keys.map(keyName).join(", ")})` : title;
    const button = el("button", { type: "button", "data-action": id, title: hint, "aria-label": title }, label);
    button.addEventListener("click", () => {
      run();
      this.refresh();
    });
    if (pressed) {
      button.setAttribute("aria-pressed", String(pressed()));
      this.toggles.push([button, pressed]);
    }
    return button;
  }

  refresh(): void {
    for (const [button, pressed] of this.toggles) {
      const value = String(pressed());
      if (button.getAttribute("aria-pressed") !== value) button.setAttribute("aria-pressed", value);
    }
  }
}
