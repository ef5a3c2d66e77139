// A firm page's sections: each a card with its own state (loading, ready, error), so one source's error
// (NO_CONSENT, FORBIDDEN, SOURCE_UNAVAILABLE, …) shows in its card while the other cards stand.
import { h } from "./dom.js";
import { formatTime, t } from "./i18n.js";

export function sectionCard(key) {
  return h(
    "section",
    { id: `section-${key}`, class: "card", "aria-labelledby": `heading-${key}`, "data-state": "loading", "aria-busy": "true" },
    h("h2", { id: `heading-${key}` }, t(key)),
    h("div", { class: "badges" }),
    h("div", { class: "body" }, h("p", { class: "muted" }, t("loading"))),
  );
}

function parts(card) {
  return { badges: card.querySelector(".badges"), body: card.querySelector(".body") };
}

export function showLoading(card) {
  const { badges, body } = parts(card);
  card.dataset.state = "loading";
  card.setAttribute("aria-busy", "true");
  badges.replaceChildren();
  body.replaceChildren(h("p", { class: "muted" }, t("loading")));
}

export function showError(card, error) {
  const { badges, body } = parts(card);
  card.dataset.state = "error";
  card.removeAttribute("aria-busy");
  badges.replaceChildren();
  body.replaceChildren(
    h(
      "p",
      { class: "section-error", role: "status", "data-code": error.code },
      h("strong", { class: "error-code" }, error.code),
      " ",
      error.message ?? "",
    ),
  );
}

// Fill the card: badges (freshness) and the body's nodes.
export function showReady(card, { freshness = null, content = [] }) {
  const { badges, body } = parts(card);
  card.dataset.state = "ready";
  card.removeAttribute("aria-busy");
  badges.replaceChildren(...(freshness ? freshnessBadges(freshness) : []));
  body.replaceChildren(...content);
}

export function freshnessBadges(freshness) {
  const stale = freshness.stale;
  return [
    h("span", { class: stale ? "badge badge-stale" : "badge badge-fresh", "data-stale": String(stale) }, t(stale ? "stale" : "fresh")),
    h("span", { class: "badge" }, t("fetchedAt", { source: freshness.source, time: formatTime(freshness.fetchedAt) })),
  ];
}

// The error for a section of an answer: the first error whose path goes through `field` (or one without a
// path under the enterprise, which concerns every field).
export function errorFor(errors, fields) {
  for (const error of errors) {
    const path = error.path ?? [];
    if (path.length <= 1 || fields.includes(path[1])) {
      return { code: error.extensions?.code ?? "ERROR", message: error.message };
    }
  }
  return null;
}

// A chart's box: labelled for screen readers (ECharts' aria description is added inside it).
export function chartBox(id, label) {
  return h("div", { class: "chart", id, role: "img", "aria-label": label });
}
