// The study browser (`/`): search the archive, sort and page through the studies, open one's series, open it in
// the viewer or download it. The search lives in the page URL, so reload, back and shared links keep it.

import { dicomWebClient, viewerUrl } from "../config";
import { RequestFailed, request } from "../dicomweb/client";
import { count } from "../dicom/format";
import { seriesList } from "../series/series-list";
import { studySeries, studySummary, type StudySummary } from "../series/series";
import { el, errorText, replace, required, showMessage } from "../ui/dom";
import { SearchForm } from "./form";
import { drawPager } from "./pager";
import { hasCriteria, qidoParameters, stateFromUrl, stateToUrl, type SearchState } from "./search";
import { StudyTable } from "./table";

const client = dicomWebClient();
const message = required("message");
const results = required("results");
const pager = required("pager");
let state = stateFromUrl(new URLSearchParams(location.search));
let running: AbortController | undefined;

const table = new StudyTable(required<HTMLTableElement>("studies"), {
  onSort: (sort) => go({ ...state, sort, offset: 0 }),
  onExpand: (study, container) => void showSeries(study, container),
});
const form = new SearchForm(required<HTMLFormElement>("search"), () => go({ ...state, criteria: form.criteria, offset: 0 }));

/** Show another search, remembering it in the browser's history. */
function go(next: SearchState): void {
  state = next;
  const query = stateToUrl(state).toString();
  history.pushState(null, "", query ? `?${query}` : location.pathname);
  void search();
}

async function search(): Promise<void> {
  running?.abort();
  const controller = new AbortController();
  running = controller;
  form.criteria = state.criteria;
  table.header(state.sort);
  results.setAttribute("aria-busy", "true");
  try {
    const answer = await client.search("studies", qidoParameters(state), controller.signal);
    const studies = answer.documents.map(studySummary);
    const total = state.offset + studies.length + answer.remaining;
    table.rows(studies, hasCriteria(state.criteria) ? "No studies match this search." : "The archive holds no studies yet.");
    drawPager(pager, { offset: state.offset, limit: state.limit, shown: studies.length, total }, {
      onPage: (offset) => go({ ...state, offset }),
      onPageSize: (limit) => go({ ...state, limit, offset: 0 }),
    });
    if (studies.length === 0 && state.offset > 0) {
      showMessage(message, "info", "This page is past the last study of the search.", { label: "First page", run: () => go({ ...state, offset: 0 }) });
    } else {
      showMessage(message, "info", null);
    }
  } catch (error) {
    if (controller.signal.aborted) return;
    table.rows([], "");
    pager.replaceChildren();
    showMessage(message, "error", `The search failed. ${errorText(error)}`, { label: "Try again", run: () => void search() });
  } finally {
    if (running === controller) results.removeAttribute("aria-busy");
  }
}

async function showSeries(study: StudySummary, container: HTMLElement): Promise<void> {
  replace(container, el("p", { class: "loading" }, "Loading the series…"));
  try {
    const series = await studySeries(client, study.uid);
    replace(
      container,
      el(
        "p",
        { class: "series-panel-head" },
        el("span", {}, `${series.length} series, ${count(study.instances)} objects`),
        el("span", { class: "uid", title: "Study Instance UID" }, study.uid),
      ),
      seriesList(series, { client, href: (item) => viewerUrl(study.uid, item.uid) }),
    );
  } catch (error) {
    const retry = el("button", { type: "button" }, "Try again");
    retry.addEventListener("click", () => void showSeries(study, container));
    replace(container, el("p", { class: "message message-error", role: "alert" }, `The series could not be listed. ${errorText(error)} `, retry));
  }
}

async function showArchiveSize(): Promise<void> {
  try {
    const health = (await (await request("/health", "application/json")).json()) as { studies: number; instances: number };
    required("archive-size").textContent = `${count(health.studies)} studies · ${count(health.instances)} objects`;
  } catch (error) {
    console.warn("archive size unavailable:", error instanceof RequestFailed ? error.message : error);
  }
}

window.addEventListener("popstate", () => {
  state = stateFromUrl(new URLSearchParams(location.search));
  void search();
});
void search();
void showArchiveSize();
