// Verification findings and lending assessments of a firm's page.
import { h } from "./dom.js";
import { formatNumber, formatYuan, t } from "./i18n.js";
import { ASSESS, PRODUCTS, VERIFICATION } from "./queries.js";
import { errorFor, showError, showReady } from "./sections.js";

export async function showVerification(page, { redraw = false } = {}) {
  if (!redraw) await page.request("verification", VERIFICATION, { code: page.code });
  const answer = page.answers.verification;
  if (!answer || !page.current) return;
  const card = page.card("verification");
  if (answer.failure) return showError(card, answer.failure);
  const verification = answer.data?.enterprise?.verification;
  if (!verification) {
    return showError(card, errorFor(answer.errors, ["verification"]) ?? { code: "NO_DATA", message: "" });
  }
  const rows = verification.checks.map((check) =>
    h(
      "tr",
      { "data-status": check.status },
      h("th", { scope: "row" }, check.code),
      h("td", {}, h("span", { class: `status status-${check.status.toLowerCase()}` }, check.status)),
      h("td", {}, check.severity ?? t("none")),
    ),
  );
  showReady(card, {
    content: [
      h("p", {}, t("flags", { flags: verification.flags }), verification.highestSeverity ? ` · ${verification.highestSeverity}` : ""),
      h(
        "div",
        { class: "table-scroll" },
        h(
          "table",
          { id: "verification-checks" },
          h("thead", {}, h("tr", {}, [t("check"), t("result"), t("severity")].map((label) => h("th", { scope: "col" }, label)))),
          h("tbody", {}, rows),
        ),
      ),
    ],
  });
}

// The tenant's products; a button assesses the firm with each (an assessment is stored and audited, so
// it runs when asked, not on every page view).
export async function showLending(page, { redraw = false } = {}) {
  if (!redraw) await page.request("products", PRODUCTS, {});
  const answer = page.answers.products;
  if (!answer || !page.current) return;
  const card = page.card("lending");
  if (answer.failure) return showError(card, answer.failure);
  const products = answer.data?.products;
  if (!products) return showError(card, errorFor(answer.errors, ["products"]) ?? { code: "NO_DATA", message: "" });
  if (!products.length) return showReady(card, { content: [h("p", { class: "muted" }, t("noProducts"))] });
  const assessments = page.answers.assessments ?? {};
  const rows = products.map((product) => {
    const outcome = assessments[product.key];
    let cells;
    if (!outcome) cells = [h("td", { colspan: 3 }, t("none"))];
    else if (outcome.error) {
      cells = [h("td", { colspan: 3 }, h("span", { class: "section-error", "data-code": outcome.error.code }, outcome.error.code, " ", outcome.error.message))];
    } else {
      const a = outcome.assessment;
      cells = [
        h("td", {}, h("span", { class: `decision decision-${a.decision.toLowerCase()}` }, a.decision), a.rating ? ` ${a.rating}` : ""),
        h("td", {}, a.creditLineYuan === null ? t("none") : formatYuan(a.creditLineYuan)),
        h("td", {}, h("ul", { class: "reasons" }, a.reasons.map((reason) => h("li", {}, h("code", {}, reason.code), " ", reason.message)))),
      ];
    }
    return h("tr", { "data-product": product.key }, h("th", { scope: "row" }, product.name, h("br"), h("small", {}, `${product.key} v${formatNumber(product.latestVersion)}`)), ...cells);
  });
  const button = h("button", { type: "button", id: "assess", onclick: () => assessAll(page, products, button) }, t("assessAll"));
  showReady(card, {
    content: [
      button,
      h(
        "div",
        { class: "table-scroll" },
        h(
          "table",
          { id: "assessments" },
          h("thead", {}, h("tr", {}, [t("product"), t("decision"), t("creditLine"), t("reasons")].map((label) => h("th", { scope: "col" }, label)))),
          h("tbody", {}, rows),
        ),
      ),
    ],
  });
}

async function assessAll(page, products, button) {
  button.disabled = true;
  button.textContent = t("assessing");
  const outcomes = await Promise.all(
    products.map(async (product) => {
      try {
        const answer = await page.session.graphql(ASSESS, { code: page.code, product: product.key });
        const assessment = answer.data?.assess;
        if (assessment) return [product.key, { assessment }];
        const error = answer.errors[0];
        return [product.key, { error: { code: error?.extensions?.code ?? "ERROR", message: error?.message ?? "" } }];
      } catch (error) {
        return [product.key, { error: { code: error.code ?? "NETWORK", message: error.message } }];
      }
    }),
  );
  page.answers.assessments = Object.fromEntries(outcomes);
  if (!page.current) return;
  await showLending(page, { redraw: true });
  page.card("lending").querySelector("#assess")?.focus();
}

