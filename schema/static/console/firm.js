// A firm's page: registration, indicators, each source's card with its charts, verification, lending and,
// for a core enterprise, its supply chain. Requests run in parallel; each card is drawn when its answer
// arrives and again (from the answers kept) when the language changes.
import { showChain } from "./chain.js";
import { disposeCharts, drawChart, electricityOption, logisticsOption, receivablesOption, salesOption } from "./charts.js";
import { facts, h } from "./dom.js";
import { formatNumber, formatShare, formatYuan, t } from "./i18n.js";
import { showLending, showVerification } from "./lending.js";
import { PROFILE, RECEIVABLE_PAGES, RECEIVABLES } from "./queries.js";
import { chartBox, errorFor, sectionCard, showError, showReady } from "./sections.js";

const PROFILE_SECTIONS = {
  registration: ["name", "registration", "region", "industry", "monthsInBusiness", "creditCode"],
  indicators: ["indicators"],
  electricity: ["electricity"],
  tax: ["tax"],
  trade: ["trade"],
  logistics: ["logistics"],
  customs: ["customs"],
};
const SECTIONS = [...Object.keys(PROFILE_SECTIONS), "verification", "lending", "supplyChain"];

export class FirmPage {
  constructor(root, session, code, { openFirm, remember }) {
    this.root = root;
    this.session = session;
    this.code = code;
    this.openFirm = openFirm;
    this.remember = remember;
    this.answers = {};
    this.cards = {};
  }

  async load() {
    this.#skeleton();
    const profile = this.#request("profile", PROFILE, { code: this.code }).then(() => this.#afterProfile());
    showVerification(this);
    showLending(this);
    await profile;
  }

  // Redraw every card from the answers kept (after a language change).
  render() {
    this.#skeleton();
    this.#drawProfile();
    showVerification(this, { redraw: true });
    showLending(this, { redraw: true });
    showChain(this, { redraw: true });
  }

  card(key) {
    return this.cards[key];
  }

  get current() {
    return this.root.contains(this.cards.registration);
  }

  // One GraphQL request kept under `name`: {data, errors} or {failure: {code, message}}.
  async #request(name, query, variables) {
    try {
      this.answers[name] = await this.session.graphql(query, variables);
    } catch (error) {
      this.answers[name] = { failure: { code: error.code ?? "NETWORK", message: error.message } };
    }
    return this.answers[name];
  }

  async request(name, query, variables) {
    return this.#request(name, query, variables);
  }

  #skeleton() {
    disposeCharts();
    const heading = h("h1", { id: "firm-name", tabindex: "-1" }, this.answers.profile?.data?.enterprise?.name ?? this.code);
    const cards = SECTIONS.map((key) => (this.cards[key] = sectionCard(key)));
    this.root.replaceChildren(
      h(
        "div",
        { class: "firm-header" },
        h("button", { type: "button", class: "link", id: "back", onclick: () => this.openFirm(null) }, `← ${t("back")}`),
        heading,
        h("p", { class: "code", id: "firm-code" }, this.code),
      ),
      h("div", { class: "cards" }, cards),
    );
  }

  async #afterProfile() {
    if (!this.current) return;
    this.#drawProfile();
    const enterprise = this.answers.profile?.data?.enterprise;
    if (enterprise?.name) {
      this.remember(this.code, enterprise.name);
      this.root.querySelector("#firm-name").textContent = enterprise.name;
      document.title = `${enterprise.name} · ${t("title")}`;
    }
    const work = [];
    if (enterprise?.trade) work.push(this.#loadReceivables());
    showChain(this);
    await Promise.all(work);
  }

  async #loadReceivables() {
    const nodes = [];
    let after = null;
    let total = 0;
    for (let page = 0; page < RECEIVABLE_PAGES; page += 1) {
      const answer = await this.session.graphql(RECEIVABLES, { code: this.code, after }).catch((error) => ({
        failure: { code: error.code, message: error.message },
      }));
      const connection = answer.data?.enterprise?.trade?.receivables;
      if (!connection) {
        this.answers.receivables = { failure: answer.failure ?? errorFor(answer.errors ?? [], ["trade"]) };
        break;
      }
      nodes.push(...connection.nodes);
      total = connection.totalCount;
      this.answers.receivables = { nodes: [...nodes], total };
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    if (this.current) this.#drawTrade();
  }

  #drawProfile() {
    const answer = this.answers.profile;
    if (!answer) return;
    for (const [key, fields] of Object.entries(PROFILE_SECTIONS)) {
      if (answer.failure) {
        showError(this.cards[key], answer.failure);
        continue;
      }
      const enterprise = answer.data?.enterprise;
      if (enterprise === null || enterprise === undefined) {
        const error = errorFor(answer.errors, fields);
        showError(this.cards[key], error ?? { code: "NOT_FOUND", message: t("notFound", { code: this.code }) });
        continue;
      }
      if (key === "trade") this.#drawTrade();
      else this[`draw_${key}`](enterprise, errorFor(answer.errors, fields));
    }
  }

  draw_registration(enterprise, error) {
    const card = this.cards.registration;
    const registration = enterprise.registration;
    if (!registration) return showError(card, error ?? { code: "NO_DATA", message: "" });
    const person = registration.legalRepresentative;
    const region = [enterprise.region.province, enterprise.region.city, enterprise.region.county].filter(Boolean).join(" ");
    showReady(card, {
      freshness: registration.freshness,
      content: [
        h("p", { class: "firm-title" }, enterprise.name ?? ""),
        registration.isCore ? h("span", { class: "badge badge-core" }, t("coreEnterprise")) : null,
        registration.creditCodeAgrees === false ? h("p", { class: "warning" }, t("creditCodeMismatch")) : null,
        facts([
          [t("legalForm"), registration.legalForm],
          [t("capital"), formatYuan(registration.registeredCapitalYuan)],
          [t("foundedOn"), registration.foundedOn],
          [t("monthsInBusiness"), formatNumber(enterprise.monthsInBusiness)],
          [t("status"), registration.status],
          [t("industry"), enterprise.industry ?? t("none")],
          [t("region"), region],
          [t("address"), registration.address],
          [t("legalRepresentative"), person.name],
          [t("idNumber"), person.idNumberMasked],
          [t("phone"), person.phoneMasked],
        ]),
      ].filter(Boolean),
    });
  }

  draw_indicators(enterprise, error) {
    const card = this.cards.indicators;
    const indicators = enterprise.indicators;
    if (!indicators) return showError(card, error ?? { code: "NO_DATA", message: "" });
    const list = (items) => (items.length ? items.join(", ") : t("none"));
    showReady(card, {
      content: [
        h("h3", {}, t("riskFlags")),
        indicators.riskFlags.length
          ? h("ul", { class: "flags", id: "risk-flags" }, indicators.riskFlags.map((flag) => h("li", { class: "flag" }, flag)))
          : h("p", { class: "ok", id: "risk-flags" }, t("noRiskFlags")),
        facts([
          [t("yoy"), formatShare(indicators.electricityYoyGrowth)],
          [t("onTime"), formatShare(indicators.onTimePaymentRate)],
          [t("grade"), indicators.taxGrade ?? t("none")],
          [`${t("sales")} ${t("growth")}`, formatShare(indicators.salesGrowth)],
          [t("unconfirmed"), formatShare(indicators.unconfirmedReceivablesShare)],
          [`${t("shipments")} ${t("growth")}`, formatShare(indicators.shipmentsGrowth)],
          [t("sourcesUsed"), list(indicators.sourcesUsed)],
          [t("sourcesWithheld"), list(indicators.sourcesWithheld)],
          [t("sourcesUnavailable"), list(indicators.sourcesUnavailable)],
        ]),
      ],
    });
  }

  draw_electricity(enterprise, error) {
    const card = this.cards.electricity;
    const profile = enterprise.electricity;
    if (!profile) return showError(card, error ?? { code: "NO_DATA", message: "" });
    const box = chartBox("chart-electricity", `${t("kwh")} / ${t("bill")}`);
    showReady(card, {
      freshness: profile.freshness,
      content: [
        facts([
          [t("averageKwh"), `${formatNumber(profile.averageMonthlyKwh)} kWh`],
          [t("yoy"), formatShare(profile.yoyGrowth)],
          [t("volatility"), formatShare(profile.volatility)],
          [t("onTime"), formatShare(profile.onTimePaymentRate)],
          [t("arrears"), formatYuan(profile.arrearsYuan)],
        ]),
        box,
      ],
    });
    drawChart(box, electricityOption(profile.months));
  }

  draw_tax(enterprise, error) {
    const card = this.cards.tax;
    const profile = enterprise.tax;
    if (!profile) return showError(card, error ?? { code: "NO_DATA", message: "" });
    const rows = profile.years.map((year) =>
      h(
        "tr",
        {},
        h("th", { scope: "row" }, year.year),
        h("td", {}, formatYuan(year.taxPaidYuan)),
        h("td", {}, formatYuan(year.invoicedSalesYuan)),
        h("td", {}, formatShare(year.taxPaidGrowth)),
      ),
    );
    showReady(card, {
      freshness: profile.freshness,
      content: [
        facts([
          [t("grade"), `${profile.grade} (${profile.gradeYear})`],
          [t("overdueFilings"), formatNumber(profile.overdueFilings)],
        ]),
        h(
          "div",
          { class: "table-scroll" },
          h(
            "table",
            {},
            h("thead", {}, h("tr", {}, [t("year"), t("taxPaid"), t("invoicedSales"), t("growth")].map((label) => h("th", { scope: "col" }, label)))),
            h("tbody", {}, rows),
          ),
        ),
      ],
    });
  }

  #drawTrade() {
    const card = this.cards.trade;
    const answer = this.answers.profile;
    const enterprise = answer?.data?.enterprise;
    if (!enterprise) return;
    const profile = enterprise.trade;
    if (!profile) return showError(card, errorFor(answer.errors, ["trade"]) ?? { code: "NO_DATA", message: "" });
    const sales = chartBox("chart-sales", t("salesVsInvoiced"));
    const content = [
      facts([
        [t("gmv"), formatYuan(profile.gmvYuan)],
        [t("outstanding"), formatYuan(profile.outstandingReceivablesYuan)],
        [t("confirmedShare"), formatShare(profile.confirmedShare)],
      ]),
      h("h3", {}, t("salesVsInvoiced")),
      enterprise.tax ? null : h("p", { class: "muted", id: "invoiced-missing" }, t("invoicedMissing")),
      sales,
      h("h3", {}, t("receivables")),
    ];
    const receivables = this.answers.receivables;
    let receivablesBox = null;
    let byMonth = null;
    if (!receivables) content.push(h("p", { class: "muted" }, t("loading")));
    else if (receivables.failure) {
      content.push(h("p", { class: "section-error", "data-code": receivables.failure.code }, receivables.failure.code, " ", receivables.failure.message));
    } else {
      byMonth = new Map();
      let shown = 0;
      for (const node of receivables.nodes) {
        if (node.settled || node.creditorCode !== this.code) continue;
        shown += 1;
        const key = node.dueOn.slice(0, 7);
        const sums = byMonth.get(key) ?? { confirmed: 0, unconfirmed: 0 };
        sums[node.confirmed ? "confirmed" : "unconfirmed"] += Number(node.amountYuan);
        byMonth.set(key, sums);
      }
      receivablesBox = chartBox("chart-receivables", t("receivables"));
      content.push(h("p", { class: "muted" }, t("receivablesShown", { shown, fetched: receivables.nodes.length, total: receivables.total })), receivablesBox);
    }
    showReady(card, { freshness: profile.freshness, content: content.filter(Boolean) });
    drawChart(sales, salesOption(profile.months, enterprise.tax?.invoicedMonths ?? null));
    if (receivablesBox) drawChart(receivablesBox, receivablesOption(byMonth));
  }

  draw_logistics(enterprise, error) {
    const card = this.cards.logistics;
    const profile = enterprise.logistics;
    if (!profile) return showError(card, error ?? { code: "NO_DATA", message: "" });
    const box = chartBox("chart-logistics", t("shipmentsChart"));
    showReady(card, {
      freshness: profile.freshness,
      content: [
        facts([
          [t("shipments"), formatNumber(profile.shipments)],
          [t("freight"), formatYuan(profile.freightYuan)],
        ]),
        h("h3", {}, t("shipmentsChart")),
        box,
      ],
    });
    drawChart(box, logisticsOption(profile.months));
  }

  draw_customs(enterprise, error) {
    const card = this.cards.customs;
    const profile = enterprise.customs;
    if (!profile) {
      if (error) return showError(card, error);
      return showReady(card, { content: [h("p", { class: "muted" }, t("notExporter"))] });
    }
    showReady(card, {
      freshness: profile.freshness,
      content: [
        facts([
          [t("fob"), formatYuan(profile.fobYuan)],
          [t("fxRatio"), formatShare(profile.fxReceiptRatio)],
          [t("yoy"), formatShare(profile.exportYoyGrowth)],
        ]),
      ],
    });
  }
}

