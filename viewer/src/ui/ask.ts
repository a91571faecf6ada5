// Small modal questions: one line of text to type (an arrow's or a note's text) or a form of a few fields (a
// presentation state's label and description, a key image selection's title). A <dialog>, not the browser's
// prompt(), so it looks like the page and can be driven by keyboard and tests alike.

import { el } from "./dom";

export interface Field {
  name: string;
  label: string;
  value?: string;
  maxLength?: number;
  /** A choice among these (value, text) instead of a text field. */
  choices?: [string, string][];
  hint?: string;
}

/** The answers by field name, or null when the reader cancels (Escape, Cancel). */
export function askForm(title: string, fields: Field[], submit = "Save"): Promise<Record<string, string> | null> {
  return ask(title, fields, submit, "ask ask-form");
}

/** The text typed, or null when the reader cancels or leaves it empty. */
export async function askText(question: string, initial = ""): Promise<string | null> {
  const answer = await ask(undefined, [{ name: "text", label: question, value: initial, maxLength: 1024 }], "OK", "ask");
  return answer?.["text"] || null;
}

function ask(title: string | undefined, fields: Field[], submit: string, className: string): Promise<Record<string, string> | null> {
  return new Promise((resolve) => {
    const inputs = fields.map((field) => {
      if (field.choices) {
        const select = el("select", { name: field.name, "aria-label": field.label });
        for (const [value, text] of field.choices) select.append(el("option", { value, selected: value === field.value }, text));
        return select;
      }
      return el("input", { type: "text", name: field.name, value: field.value ?? "", maxlength: field.maxLength, "aria-label": field.label });
    });
    const dialog = el(
      "dialog",
      { class: className, "aria-label": title ?? fields[0]?.label ?? "" },
      el(
        "form",
        { method: "dialog" },
        title ? el("h2", {}, title) : null,
        ...fields.map((field, index) => el("label", {}, field.label, inputs[index]!, field.hint ? el("small", {}, field.hint) : null)),
        el("menu", {}, el("button", { type: "submit", value: "ok", class: "primary" }, submit), el("button", { type: "button", value: "cancel" }, "Cancel")),
      ),
    );
    let answer: Record<string, string> | null = null;
    dialog.querySelector("form")!.addEventListener("submit", () => {
      answer = Object.fromEntries(fields.map((field, index) => [field.name, inputs[index]!.value.trim()]));
    });
    dialog.querySelector("button[value=cancel]")!.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    const first = inputs[0];
    if (first instanceof HTMLInputElement) first.select();
  });
}
