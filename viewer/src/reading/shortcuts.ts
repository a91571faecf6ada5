// What the reader can do from the keyboard, in one list that also makes the help panel (`?`): each action
// with its keys (KeyboardEvent.key values) and what it does. Keys are ignored while typing in a field.

import { el, replace } from "../ui/dom";

export interface Action {
  keys: string[];
  label: string;
  group: string;
  run: () => void;
}

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLInputElement) return !["range", "checkbox", "radio", "button"].includes(target.type);
  return target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

export function keyName(key: string): string {
  const names: Record<string, string> = {
    ArrowUp: "↑", ArrowDown: "↓", ArrowLeft: "←", ArrowRight: "→", PageUp: "Page Up", PageDown: "Page Down",
    " ": "Space", Escape: "Esc", Delete: "Delete", Backspace: "Backspace",
  };
  return names[key] ?? key;
}

/** Listen for the actions' keys on the page; `actions` is read on each key press (it may grow). */
export function bindKeys(actions: () => Action[]): void {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (document.querySelector("dialog[open]")) return;
    const action = actions().find((candidate) => candidate.keys.includes(event.key));
    if (!action) return;
    event.preventDefault();
    action.run();
  });
}

/** The help panel: every action grouped, with its keys. */
export function helpPanel(actions: Action[]): HTMLElement {
  const groups = new Map<string, Action[]>();
  for (const action of actions) groups.set(action.group, [...(groups.get(action.group) ?? []), action]);
  const panel = el("div", { class: "help-content" });
  replace(
    panel,
    el("p", {}, "Mouse: left drag does the chosen tool (window by default), middle drag pans, right drag zooms, the wheel scrolls. Drag a series onto a viewport, or click it to show it in the active one."),
    ...[...groups].map(([group, members]) =>
      el(
        "section",
        {},
        el("h3", {}, group),
        el("dl", { class: "shortcuts" }, ...members.flatMap((action) => [
          el("dt", {}, ...action.keys.flatMap((key, index) => [index ? " " : "", el("kbd", {}, keyName(key))])),
          el("dd", {}, action.label),
        ])),
      ),
    ),
  );
  return panel;
}
