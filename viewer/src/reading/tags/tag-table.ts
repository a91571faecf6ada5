// A data set's attributes as rows (tag, keyword, VR, value) for the tag browser; sequences as <details> with one
// <details> per item, nested as deep as the data set goes; a filter that keeps the rows (and the sequences holding
// rows) whose tag, keyword or value contains the text typed. DICOM text is always text, never markup.

import { elementText, spacedName, tagText, type TagDictionary } from "../../dicom/dictionary";
import type { DicomElement, DicomJson } from "../../dicomweb/json";
import { el } from "../../ui/dom";

function cells(tag: string, item: DicomElement, dictionary: TagDictionary, value: string): HTMLElement[] {
  const keyword = dictionary.keyword(tag);
  return [
    el("span", { class: "tag-tag" }, tagText(tag)),
    el("span", { class: "tag-keyword", title: keyword.startsWith("(") ? undefined : spacedName(keyword) }, keyword),
    el("span", { class: "tag-vr" }, item.vr),
    el("span", { class: value.startsWith("(") && !item.Value ? "tag-value tag-special" : "tag-value" }, value),
  ];
}

function searchText(tag: string, keyword: string, value: string): string {
  return `${tag} ${tagText(tag)} ${keyword} ${spacedName(keyword)} ${value}`.toLowerCase();
}

function row(tag: string, item: DicomElement, dictionary: TagDictionary, path: string): HTMLElement {
  const value = elementText(item);
  return el(
    "div",
    { class: "tag-row", "data-tag": tag, "data-path": path, "data-search": searchText(tag, dictionary.keyword(tag), value) },
    ...cells(tag, item, dictionary, value),
  );
}

function sequence(tag: string, item: DicomElement, dictionary: TagDictionary, path: string, open: Set<string>): HTMLElement {
  const items = (item.Value ?? []) as unknown as DicomJson[];
  const count = `${items.length} item${items.length === 1 ? "" : "s"}`;
  const summary = el(
    "summary",
    { class: "tag-row", "data-tag": tag, "data-search": searchText(tag, dictionary.keyword(tag), "") },
    ...cells(tag, item, dictionary, count),
  );
  const children = items.map((child, index) => {
    const itemPath = `${path}/${index + 1}`;
    const details = el(
      "details",
      { class: "tag-item", "data-path": itemPath, open: true }, // a sequence opened shows its items
      el("summary", { class: "tag-item-title" }, `Item ${index + 1}`),
      tagRows(child, dictionary, itemPath, open),
    );
    return details;
  });
  return el("details", { class: "tag-sequence", "data-tag": tag, "data-path": path, open: open.has(path) }, summary, el("div", { class: "tag-items" }, ...children));
}

/** The rows of a data set; `open` names the sequences (by path) to show opened. */
export function tagRows(dataset: DicomJson, dictionary: TagDictionary, path = "", open: Set<string> = new Set()): HTMLElement {
  const rows = Object.keys(dataset)
    .sort()
    .flatMap((tag) => {
      const item = dataset[tag];
      if (!item) return [];
      const here = `${path}/${tag}`;
      return [item.vr === "SQ" ? sequence(tag, item, dictionary, here, open) : row(tag, item, dictionary, here)];
    });
  return el("div", { class: "tag-rows" }, ...rows);
}

/** The paths of the sequences opened now (kept when another image is shown). */
export function openPaths(root: HTMLElement): Set<string> {
  return new Set([...root.querySelectorAll<HTMLDetailsElement>("details.tag-sequence[open]")].map((details) => details.dataset.path ?? ""));
}

/** Show only what matches `query` (and the sequences holding a match, opened; all of a sequence that matches
 * itself); everything for an empty query. Returns how many rows are shown. */
export function filterRows(root: HTMLElement, query: string): number {
  let shown = 0;
  const visit = (node: Element, wanted: string): boolean => {
    if (node.classList.contains("tag-row")) {
      const match = !wanted || Boolean((node as HTMLElement).dataset.search?.includes(wanted));
      (node as HTMLElement).hidden = !match;
      if (match) shown += 1;
      return match;
    }
    if (node instanceof HTMLDetailsElement) {
      const summary = node.querySelector<HTMLElement>(":scope > summary");
      const own = Boolean(wanted && summary?.dataset.search?.includes(wanted));
      const body = node.querySelector(":scope > .tag-items, :scope > .tag-rows");
      const inner = body ? [...body.children].map((child) => visit(child, own ? "" : wanted)).some(Boolean) : false;
      node.hidden = !(own || inner || !wanted);
      if (summary?.classList.contains("tag-row")) {
        summary.hidden = false;
        if (!node.hidden) shown += 1;
      }
      if (wanted && inner && !own) node.open = true;
      return !node.hidden;
    }
    return [...node.children].map((child) => visit(child, wanted)).some(Boolean);
  };
  visit(root, query.trim().toLowerCase());
  return shown;
}
