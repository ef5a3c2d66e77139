// A core enterprise's supply chain as a graph (ECharts graph series): click a node, or a firm in the list
// beside it, to open that firm.
import { chainOption, drawChart } from "./charts.js";
import { h } from "./dom.js";
import { formatYuan, t } from "./i18n.js";
import { SUPPLY_CHAIN } from "./queries.js";
import { chartBox, errorFor, showError, showLoading, showReady } from "./sections.js";

export async function showChain(page, { redraw = false } = {}) {
  const card = page.card("supplyChain");
  const enterprise = page.answers.profile?.data?.enterprise;
  if (!enterprise && !page.answers.chain) {
    if (page.answers.profile) showReady(card, { content: [controls(page)] });
    return;
  }
  const isCore = Boolean(enterprise?.registration?.isCore);
  if (!redraw && isCore && !page.answers.chain) {
    await loadChain(page, page.chainDepth ?? 1);
    return;
  }
  draw(page, isCore);
}

async function loadChain(page, depth) {
  page.chainDepth = depth;
  showLoading(page.card("supplyChain"));
  await page.request("chain", SUPPLY_CHAIN, { code: page.code, depth });
  if (page.current) draw(page, true);
}

function controls(page) {
  const select = h(
    "select",
    { id: "chain-depth" },
    [1, 2, 3].map((depth) => h("option", { value: depth, selected: depth === (page.chainDepth ?? 1) }, depth)),
  );
  return h(
    "div",
    { class: "controls" },
    h("label", { for: "chain-depth" }, t("depth")),
    select,
    h("button", { type: "button", id: "show-chain", onclick: () => loadChain(page, Number(select.value)) }, t("showChain")),
  );
}

function draw(page, isCore) {
  const card = page.card("supplyChain");
  const answer = page.answers.chain;
  if (!answer) {
    return showReady(card, { content: [h("p", { class: "muted" }, t("notCore")), controls(page)] });
  }
  if (answer.failure) return showError(card, answer.failure);
  const chain = answer.data?.supplyChain;
  if (!chain) return showError(card, errorFor(answer.errors, ["supplyChain"]) ?? { code: "NO_DATA", message: "" });
  const box = chartBox("chart-chain", t("supplyChain"));
  box.classList.add("chart-graph");
  const firms = (links, role) =>
    h(
      "li",
      {},
      h("h4", {}, t(role)),
      h(
        "ul",
        {},
        links.map((link) =>
          h(
            "li",
            {},
            h("button", { type: "button", class: "link", "data-code": link.creditCode, onclick: () => page.openFirm(link.creditCode) }, link.name),
            ` ${t("tier", { tier: link.tier })} · ${formatYuan(link.amountYuan)}`,
          ),
        ),
      ),
    );
  showReady(card, {
    content: [
      isCore ? null : h("p", { class: "muted" }, t("notCore")),
      controls(page),
      h("p", { id: "chain-counts" }, t("chainCounts", { suppliers: chain.suppliers.length, distributors: chain.distributors.length })),
      box,
      h("details", {}, h("summary", {}, t("chainList")), h("ul", { class: "chain-list" }, firms(chain.suppliers, "suppliers"), firms(chain.distributors, "distributors"))),
    ].filter(Boolean),
  });
  const chart = drawChart(box, chainOption(chain, formatYuan));
  chart.on("click", (item) => {
    if (item.dataType === "node" && item.data.id !== page.code) page.openFirm(item.data.id);
  });
}
