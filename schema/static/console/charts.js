// ECharts (vendored, loaded as the global `echarts`) options for the firm's page and the supply chain.
import { escapeHtml } from "./dom.js";
import { t } from "./i18n.js";

const charts = new Set();

export function drawChart(element, option) {
  const chart = echarts.init(element, null, { renderer: "canvas" });
  chart.setOption({ animation: false, ...option });
  charts.add(chart);
  return chart;
}

export function disposeCharts() {
  for (const chart of charts) chart.dispose();
  charts.clear();
}

window.addEventListener("resize", () => {
  for (const chart of charts) chart.resize();
});

const month = (iso) => iso.slice(0, 7);
const grid = { left: 8, right: 8, top: 40, bottom: 8, containLabel: true };
const legend = { top: 0, type: "scroll" };
const tooltip = { trigger: "axis", confine: true };

export function electricityOption(months) {
  return {
    aria: { enabled: true },
    grid, legend, tooltip,
    xAxis: { type: "category", data: months.map((m) => month(m.month)) },
    yAxis: [{ type: "value", name: "kWh" }, { type: "value", name: "¥" }],
    series: [
      { name: t("kwh"), type: "bar", data: months.map((m) => Number(m.kwh)) },
      { name: t("bill"), type: "line", yAxisIndex: 1, data: months.map((m) => Number(m.billYuan)) },
    ],
  };
}

// Platform sales per month (trade) beside invoiced sales of the same months (tax), when tax is readable.
export function salesOption(tradeMonths, invoicedMonths) {
  const axis = tradeMonths.map((m) => month(m.month));
  const series = [{ name: t("sales"), type: "line", data: tradeMonths.map((m) => Number(m.salesYuan)) }];
  if (invoicedMonths) {
    const invoiced = new Map(invoicedMonths.map((m) => [month(m.month), Number(m.invoicedSalesYuan)]));
    series.push({ name: t("invoiced"), type: "line", data: axis.map((key) => invoiced.get(key) ?? null) });
  }
  return { aria: { enabled: true }, grid, legend, tooltip, xAxis: { type: "category", data: axis }, yAxis: { type: "value" }, series };
}

// Outstanding receivables the firm is owed, summed per due month, confirmed and unconfirmed stacked.
export function receivablesOption(byMonth) {
  const axis = [...byMonth.keys()].sort();
  const series = ["confirmed", "unconfirmed"].map((kind) => ({
    name: t(kind),
    type: "bar",
    stack: "due",
    data: axis.map((key) => Math.round(byMonth.get(key)[kind] * 100) / 100),
  }));
  return { aria: { enabled: true }, grid, legend, tooltip, xAxis: { type: "category", data: axis }, yAxis: { type: "value" }, series };
}

export function logisticsOption(months) {
  return {
    aria: { enabled: true },
    grid, legend, tooltip,
    xAxis: { type: "category", data: months.map((m) => month(m.month)) },
    yAxis: { type: "value" },
    series: [
      { name: t("outbound"), type: "bar", stack: "shipments", data: months.map((m) => m.outbound) },
      { name: t("inbound"), type: "bar", stack: "shipments", data: months.map((m) => m.inbound) },
    ],
  };
}

// The chain as a graph: the core in the middle, suppliers and distributors by tier, amounts on the edges.
export function chainOption(chain, formatAmount) {
  const categories = [{ name: t("core") }, { name: t("suppliers") }, { name: t("distributors") }];
  const nodes = new Map([[chain.core.creditCode, { id: chain.core.creditCode, name: chain.core.name, category: 0, symbolSize: 44, tier: 0 }]]);
  const links = [];
  const add = (link, category) => {
    if (!nodes.has(link.creditCode)) {
      nodes.set(link.creditCode, {
        id: link.creditCode,
        name: link.name,
        category,
        tier: link.tier,
        symbolSize: Math.max(12, 30 - link.tier * 8),
      });
    }
    const [source, target] = category === 1 ? [link.creditCode, link.via] : [link.via, link.creditCode];
    links.push({ source, target, value: Number(link.amountYuan), label: { show: false, formatter: formatAmount(link.amountYuan) } });
  };
  for (const link of chain.suppliers) add(link, 1);
  for (const link of chain.distributors) add(link, 2);
  return {
    aria: { enabled: true },
    legend: { top: 0, data: categories.map((c) => c.name) },
    tooltip: {
      confine: true,
      formatter: (item) =>
        item.dataType === "edge" ? formatAmount(item.data.value) : `${escapeHtml(item.data.name)}<br>${escapeHtml(item.data.id)}`,
    },
    series: [
      {
        type: "graph",
        layout: "force",
        roam: true,
        draggable: true,
        categories,
        data: [...nodes.values()],
        links,
        edgeSymbol: ["none", "arrow"],
        edgeSymbolSize: 6,
        force: { repulsion: 160, edgeLength: [40, 120], layoutAnimation: false },
        label: { show: nodes.size <= 40, position: "right", fontSize: 10, formatter: (item) => item.data.name.slice(0, 8) },
        emphasis: { focus: "adjacency", edgeLabel: { show: true } },
        edgeLabel: { show: false, formatter: (item) => item.data.label.formatter },
        lineStyle: { opacity: 0.6, curveness: 0.1 },
      },
    ],
  };
}
