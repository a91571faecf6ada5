// A small modal question with one line of text to type (an arrow's or a note's text): a <dialog>, not the
// browser's prompt(), so it looks like the page and can be driven by keyboard and tests alike.

import { el } from "./dom";

/** The text typed, or null when the reader cancels (Escape, Cancel). */
export function askText(question: string, initial = ""): Promise<string | null> {
  return new Promise((resolve) => {
    const input = el("input", { type: "text", name: "text", value: initial, maxlength: 1024, "aria-label": question });
    const dialog = el(
      "dialog",
      { class: "ask", "aria-label": question },
      el(
        "form",
        { method: "dialog" },
        el("label", {}, question, input),
        el("menu", {}, el("button", { type: "submit", value: "ok", class: "primary" }, "OK"), el("button", { type: "button", value: "cancel" }, "Cancel")),
      ),
    );
    let answer: string | null = null;
    dialog.querySelector("form")!.addEventListener("submit", () => {
      answer = input.value.trim() || null;
    });
    dialog.querySelector("button[value=cancel]")!.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.select();
  });
}
