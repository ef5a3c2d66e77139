"""What a person sees in the console, in a real browser (chromium headless) against ``hub demo``."""

from __future__ import annotations

import random
import time
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from foundation.credit_code import ALPHABET, ZHEJIANG_COUNTIES, generate, is_valid
from tests.console.conftest import Demo

PROFILE_CARDS = ("registration", "indicators", "electricity", "tax", "trade", "logistics", "customs")


def graphql(demo: Demo, query: str, variables: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token or demo.token}"}
    answer = httpx.post(
        f"{demo.url}/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=60
    ).json()
    assert "errors" not in answer, answer
    data: dict[str, Any] = answer["data"]
    return data


def wait_for(browser: Any, script: str, timeout: float = 30) -> Any:
    """The script's value once truthy (it runs as a function body: ``return …``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = browser.execute_script(script)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {script}")
        time.sleep(0.1)


def open_console(browser: Any, demo: Demo, fragment: str = "") -> None:
    """A fresh console (nothing remembered: Chinese, no recent firms) at ``/console#fragment``."""
    browser.get(f"{demo.url}/healthz")
    browser.execute_script("localStorage.clear()")
    browser.get(f"{demo.url}/console" + (f"#{fragment}" if fragment else ""))


def card_state(browser: Any, key: str) -> str:
    state: str = browser.execute_script(f"return document.getElementById('section-{key}')?.dataset.state")
    return state


def wait_for_cards(browser: Any, keys: tuple[str, ...] = (*PROFILE_CARDS, "supplyChain")) -> None:
    ids = ",".join(f"'section-{key}'" for key in keys)
    wait_for(
        browser,
        f"return [{ids}].every(id => {{ const s = document.getElementById(id); "
        "return s && s.dataset.state !== 'loading'; })",
    )


def chart_option(browser: Any, element_id: str) -> dict[str, Any]:
    option: dict[str, Any] = wait_for(
        browser,
        f"const el = document.getElementById('{element_id}');"
        " const chart = el && echarts.getInstanceByDom(el);"
        " return chart && JSON.parse(JSON.stringify(chart.getOption()));",
    )
    return option


PROFILE = """query($code: ID!) { enterprise(creditCode: $code) { name
  electricity(months: 12) { months { month } } tax(years: 3) { invoicedMonths { month } }
  trade(months: 12) { months { month } } logistics(months: 12) { months { month } } } }"""
RECEIVABLES = """query($code: ID!, $after: String) { enterprise(creditCode: $code) { trade(months: 12) {
  receivables(first: 100, after: $after) { pageInfo { hasNextPage endCursor }
  nodes { creditorCode dueOn settled } } } } }"""


def due_months(demo: Demo, code: str) -> set[str]:
    months: set[str] = set()
    after = None
    for _ in range(10):
        page = graphql(demo, RECEIVABLES, {"code": code, "after": after})["enterprise"]["trade"][
            "receivables"
        ]
        months |= {n["dueOn"][:7] for n in page["nodes"] if not n["settled"] and n["creditorCode"] == code}
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return months


def test_a_shared_link_signs_in_and_shows_the_firm_in_chinese_with_its_charts(
    browser: Any, demo: Demo
) -> None:
    expected = graphql(demo, PROFILE, {"code": demo.firm})["enterprise"]
    open_console(browser, demo, f"token={demo.token}&code={demo.firm}")
    wait_for_cards(browser)
    assert browser.find_element(By.ID, "firm-name").text == expected["name"]
    assert "token=" not in browser.current_url and browser.current_url.endswith(f"#code={demo.firm}")
    assert browser.execute_script("return document.documentElement.lang") == "zh-CN"
    assert browser.find_element(By.ID, "heading-electricity").text == "用电"
    for key in PROFILE_CARDS:
        assert card_state(browser, key) == "ready", key
    badges = browser.find_elements(By.CSS_SELECTOR, "#section-electricity .badge[data-stale]")
    assert [badge.get_attribute("data-stale") for badge in badges] == ["false"]

    electricity = chart_option(browser, "chart-electricity")
    assert [len(series["data"]) for series in electricity["series"]] == [
        len(expected["electricity"]["months"])
    ] * 2
    logistics = chart_option(browser, "chart-logistics")
    assert len(logistics["xAxis"][0]["data"]) == len(expected["logistics"]["months"])
    sales = chart_option(browser, "chart-sales")
    assert [len(series["data"]) for series in sales["series"]] == [len(expected["trade"]["months"])] * 2
    receivables = chart_option(browser, "chart-receivables")
    assert receivables["xAxis"][0]["data"] == sorted(due_months(demo, demo.firm))

    # Verification findings and, on asking, each product's decision with its reasons.
    wait_for(browser, "return document.getElementById('section-verification').dataset.state === 'ready'")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#verification-checks tbody tr")) == 8
    wait_for(browser, "return document.getElementById('assess')")
    browser.find_element(By.ID, "assess").click()
    decisions = wait_for(
        browser,
        "const d = [...document.querySelectorAll('#assessments .decision')].map(e => e.textContent);"
        " return d.length === 4 && d;",
    )
    assert set(decisions) <= {"ELIGIBLE", "INELIGIBLE", "REFER"}
    assert browser.find_elements(By.CSS_SELECTOR, "#assessments .reasons li")


def test_the_language_toggle_redraws_the_page_in_english_and_back(browser: Any, demo: Demo) -> None:
    open_console(browser, demo, f"token={demo.token}&code={demo.firm}")
    wait_for_cards(browser)
    toggle = browser.find_element(By.ID, "language")
    assert toggle.text == "English" and toggle.get_attribute("aria-label")
    toggle.click()
    wait_for(browser, "return document.getElementById('heading-electricity')?.textContent === 'Electricity'")
    assert browser.execute_script("return document.documentElement.lang") == "en"
    wait_for_cards(browser)
    names = [series["name"] for series in chart_option(browser, "chart-electricity")["series"]]
    assert names == ["Usage (kWh)", "Bill (yuan)"]
    browser.find_element(By.ID, "language").click()
    wait_for(browser, "return document.getElementById('heading-electricity')?.textContent === '用电'")


def test_a_client_without_tax_read_signs_in_and_sees_forbidden_in_the_tax_card_only(
    browser: Any, demo: Demo
) -> None:
    client = demo.client_without_tax()
    open_console(browser, demo, f"code={demo.firm}")
    wait_for(browser, "return document.getElementById('client-id')")
    browser.find_element(By.ID, "client-id").send_keys(client["client_id"])
    browser.find_element(By.ID, "client-secret").send_keys(client["client_secret"], Keys.ENTER)
    wait_for_cards(browser, PROFILE_CARDS)
    error = browser.find_element(By.CSS_SELECTOR, "#section-tax .section-error")
    assert card_state(browser, "tax") == "error" and error.get_attribute("data-code") == "FORBIDDEN"
    for key in ("registration", "electricity", "trade", "logistics"):
        assert card_state(browser, key) == "ready", key
    # Sales stand without the invoices they would be compared with.
    assert len(chart_option(browser, "chart-sales")["series"]) == 1
    # Read in one script: the trade card is drawn again when its receivables arrive (a found element
    # would go stale under the test's hand).
    wait_for(
        browser, "const note = document.getElementById('invoiced-missing'); return note?.checkVisibility()"
    )
    assert "demo-bank" in browser.find_element(By.ID, "session-status").text


def test_search_checks_the_code_as_you_type_and_remembers_the_firm(browser: Any, demo: Demo) -> None:
    open_console(browser, demo, f"token={demo.token}")
    field = wait_for(browser, "return document.getElementById('credit-code')")
    assert browser.find_element(By.CSS_SELECTOR, "label[for='credit-code']").text
    field.send_keys(demo.firm[:10])
    check = browser.find_element(By.ID, "credit-code-check")
    assert check.get_attribute("data-result") == "length"
    assert not browser.find_element(By.ID, "open-firm").is_enabled()
    wrong = ALPHABET[(ALPHABET.index(demo.firm[17]) + 1) % len(ALPHABET)]
    field.send_keys(demo.firm[10:17] + wrong)
    assert check.get_attribute("data-result") == "check" and field.get_attribute("aria-invalid") == "true"
    field.send_keys(Keys.BACKSPACE, demo.firm[17].lower(), Keys.ENTER)  # lower case is fine
    wait_for(browser, f"return location.hash === '#code={demo.firm}'")
    wait_for_cards(browser, ("registration",))
    name = browser.find_element(By.ID, "firm-name").text
    browser.find_element(By.ID, "back").click()
    recent = wait_for(browser, "return document.querySelector('#recent button')")
    assert recent.get_attribute("data-code") == demo.firm and name in recent.text
    recent.send_keys(Keys.ENTER)
    wait_for(browser, f"return document.getElementById('firm-name')?.textContent === {name!r}")


def test_the_credit_code_check_is_the_python_one(browser: Any, demo: Demo) -> None:
    rng = random.Random(32100)
    codes = [generate(rng.choice(ZHEJIANG_COUNTIES), rng, kind=rng.choice("123")) for _ in range(300)]
    mutated = []
    for code in codes[:200]:
        position = rng.randrange(18)
        mutated.append(code[:position] + rng.choice(ALPHABET + "IOZSV") + code[position + 1 :])
    edge_cases = [" " + codes[0].lower() + " ", codes[1][:17], codes[2] + "0", "", "9133" + "A" * 14]
    samples = codes + mutated + edge_cases
    open_console(browser, demo)
    verdicts = browser.execute_async_script(
        "const [codes, done] = arguments;"
        "import('/console/assets/credit-code.js').then(m => done(codes.map(c => m.checkCreditCode(c).ok)));",
        samples,
    )
    assert verdicts == [is_valid(code) for code in samples]
    assert sum(verdicts) > 300  # the mutations keep some valid (a check character changed to itself)


def test_a_phone_screen_has_no_horizontal_scroll(browser: Any, demo: Demo) -> None:
    browser.set_window_size(390, 844)
    open_console(browser, demo, f"token={demo.token}&code={demo.firm}")
    wait_for_cards(browser)
    chart_option(browser, "chart-electricity")
    width = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], width
    chart = browser.find_element(By.ID, "chart-electricity").size["width"]
    assert 0 < chart <= width[1]


CHAIN = """query($code: ID!) { supplyChain(coreCreditCode: $code, depth: 1) {
  suppliers { creditCode name } distributors { creditCode name } } }"""


def test_a_core_enterprise_s_chain_is_a_graph_whose_nodes_open_their_firm(browser: Any, demo: Demo) -> None:
    chain = graphql(demo, CHAIN, {"code": demo.core})["supplyChain"]
    firms = {link["creditCode"]: link["name"] for link in chain["suppliers"] + chain["distributors"]}
    open_console(browser, demo, f"token={demo.token}&code={demo.core}")
    wait_for_cards(browser)
    graph = chart_option(browser, "chart-chain")["series"][0]
    assert graph["type"] == "graph" and len(graph["data"]) == 1 + len(firms)
    assert len(graph["links"]) == len(chain["suppliers"]) + len(chain["distributors"])

    # A click on a node (where ECharts laid it out) opens that firm.
    code, x, y = browser.execute_script(
        "const chart = echarts.getInstanceByDom(document.getElementById('chart-chain'));"
        "const data = chart.getModel().getSeriesByIndex(0).getData();"
        "const i = [...Array(data.count()).keys()].find(i => data.getId(i) !== arguments[0]);"
        "const [x, y] = chart.convertToPixel({seriesIndex: 0}, data.getItemLayout(i));"
        "return [data.getId(i), x, y];",
        demo.core,
    )
    canvas = browser.find_element(By.CSS_SELECTOR, "#chart-chain canvas")
    size = canvas.size
    ActionChains(browser).move_to_element_with_offset(
        canvas, int(x - size["width"] / 2), int(y - size["height"] / 2)
    ).click().perform()
    wait_for(browser, f"return location.hash === '#code={code}'")
    wait_for(browser, f"return document.getElementById('firm-name')?.textContent === {firms[code]!r}")


def test_graphiql_opens_the_demo_link_with_the_sample_query_and_token_ready(browser: Any, demo: Demo) -> None:
    name = graphql(demo, PROFILE, {"code": demo.firm})["enterprise"]["name"]
    browser.get(f"{demo.url}/graphql#token={demo.token}&code={demo.firm}")
    button = wait_for(browser, "return document.querySelector('.graphiql-execute-button')")
    assert "token=" not in browser.current_url
    button.click()
    result = wait_for(
        browser,
        "const cm = document.querySelector('.result-window .CodeMirror');"
        " const text = cm && cm.CodeMirror.getValue(); return text && text.includes('enterprise') && text;",
    )
    assert name in result and '"errors"' not in result


@pytest.fixture(autouse=True)
def _desktop(browser: Any) -> None:
    browser.set_window_size(1280, 800)
