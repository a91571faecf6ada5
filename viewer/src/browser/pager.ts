// Paging through a search's results: where we are, first / previous / next / last, and the page size.

import { count } from "../dicom/format";
import { el, replace } from "../ui/dom";
import { PAGE_SIZES } from "./search";

export interface Page {
  offset: number;
  limit: number;
  shown: number;
  /** All the results of the search: those before, these and the server's "additional results". */
  total: number;
}

export interface PagerEvents {
  onPage: (offset: number) => void;
  onPageSize: (limit: number) => void;
}

export function drawPager(nav: HTMLElement, page: Page, events: PagerEvents): void {
  const { offset, limit, shown, total } = page;
  const last = Math.max(0, Math.floor((total - 1) / limit) * limit);
  const button = (label: string, title: string, target: number, disabled: boolean) => {
    const element = el("button", { type: "button", title, disabled, "data-page": label.toLowerCase() }, label);
    element.addEventListener("click", () => events.onPage(target));
    return element;
  };
  const where = shown === 0 ? `0 of ${count(total)}` : `${count(offset + 1)}–${count(offset + shown)} of ${count(total)}`;
  const size = el(
    "select",
    { "aria-label": "Studies per page" },
    ...PAGE_SIZES.map((value) => el("option", { value, selected: value === limit }, `${value} per page`)),
  );
  size.addEventListener("change", () => events.onPageSize(Number(size.value)));
  replace(
    nav,
    button("First", "First page", 0, offset === 0),
    button("Previous", "Previous page", Math.max(0, offset - limit), offset === 0),
    el("span", { class: "pager-where", "aria-live": "polite" }, where),
    button("Next", "Next page", offset + limit, offset + shown >= total),
    button("Last", "Last page", last, offset >= last),
    size,
  );
}
