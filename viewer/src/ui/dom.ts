// Building DOM elements without innerHTML (values from DICOM attributes are always text, never markup), and the
// page's message area.

type Attributes = Record<string, string | number | boolean | undefined>;
type Child = Node | string | null | undefined | false;

/** An element with attributes (`class`, `aria-*`, `data-*`, properties such as `hidden`) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/** Replace an element's children. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

const shownMarkup = new WeakMap<Element, string>();

/** Replace an element's children unless they would be the same markup as last time through here: what changes
 * with every frame (overlays while scrolling) then costs the page no new layout when it has not changed. */
/** Set data attributes, each only when its value changes: a write, even of the same value, has the browser check
 * its styles again (once a frame while scrolling). */
export function setDataIfChanged(element: HTMLElement, values: Record<string, string>): void {
  for (const [key, value] of Object.entries(values)) {
    if (element.dataset[key] !== value) element.dataset[key] = value;
  }
}

/** Set a form control's value only when it changes (see setDataIfChanged). */
export function setValueIfChanged(control: HTMLInputElement, value: string): void {
  if (control.value !== value) control.value = value;
}

export function replaceIfChanged(parent: Element, ...children: Child[]): void {
  let markup = "";
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    markup += typeof child === "string" ? `\u0000${child}` : child instanceof Element ? child.outerHTML : `\u0000${child.textContent ?? ""}`;
  }
  if (shownMarkup.get(parent) === markup && parent.childNodes.length > 0 === markup.length > 0) return;
  shownMarkup.set(parent, markup);
  replace(parent, ...children);
}

/** The element with this id, which the page must have. */
export function required<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

export type MessageKind = "error" | "info";

/** Show a message in the page's message area (role=alert for errors), or clear it with null. */
export function showMessage(area: HTMLElement, kind: MessageKind, text: string | null, action?: { label: string; run: () => void }): void {
  if (text === null) {
    area.hidden = true;
    area.replaceChildren();
    return;
  }
  area.hidden = false;
  area.className = `message message-${kind}`;
  area.setAttribute("role", kind === "error" ? "alert" : "status");
  replace(area, el("span", {}, text));
  if (action) {
    const button = el("button", { type: "button" }, action.label);
    button.addEventListener("click", action.run);
    append(area, " ", button);
  }
}

/** The text of an error for a person: its message, never a stack. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
