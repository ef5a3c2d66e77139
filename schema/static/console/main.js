// The console's shell: sign-in, the search with its recently viewed firms, the firm's page, the language
// toggle and deep links (#code=<creditCode>, #token=<jwt>&code=<creditCode>).
import { Session } from "./api.js";
import { checkCreditCode } from "./credit-code.js";
import { disposeCharts } from "./charts.js";
import { h } from "./dom.js";
import { FirmPage } from "./firm.js";
import { currentLanguage, formatTime, setLanguage, t } from "./i18n.js";

const RECENT_KEY = "console.recent";
const RECENT_MAX = 8;

const main = document.getElementById("main");
const status = document.getElementById("session-status");
const languageButton = document.getElementById("language");
const signOutButton = document.getElementById("sign-out");
let page = null;
let notice = "";

const session = new Session((_, event) => {
  notice = { renewed: t("renewed"), expired: t("expired") }[event] ?? "";
  if (event === "renewed") return drawStatus();
  route();
});

function hashParameters() {
  return new URLSearchParams(window.location.hash.slice(1));
}

// Open a firm (or the search, with null) by putting its code in the address: links can be shared.
function openFirm(code) {
  const next = code ? `#code=${encodeURIComponent(code)}` : "";
  if (window.location.hash === next) route();
  else window.location.hash = next;
}

function recent() {
  try {
    const items = JSON.parse(localStorage.getItem(RECENT_KEY) ?? "[]");
    return Array.isArray(items) ? items.filter((item) => item && typeof item.code === "string") : [];
  } catch {
    return [];
  }
}

function remember(code, name) {
  const items = [{ code, name }, ...recent().filter((item) => item.code !== code)].slice(0, RECENT_MAX);
  localStorage.setItem(RECENT_KEY, JSON.stringify(items));
}

function drawStatus() {
  document.title = t("title");
  document.getElementById("app-title").textContent = t("title");
  document.getElementById("skip").textContent = t("skip");
  languageButton.textContent = t("language");
  languageButton.setAttribute("aria-label", t("languageLabel"));
  signOutButton.textContent = t("signOut");
  signOutButton.hidden = !session.signedIn;
  const claims = session.claims;
  const who = claims ? t("signedInAs", { client: claims.client_id ?? claims.sub, tenant: claims.tenant ?? "", time: formatTime(session.expiresAt) }) : "";
  status.textContent = [who, notice].filter(Boolean).join(" · ");
}

function signInView(pendingCode, error) {
  const clientId = h("input", { id: "client-id", name: "client_id", autocomplete: "username", required: true });
  const secret = h("input", { id: "client-secret", name: "client_secret", type: "password", autocomplete: "current-password", required: true });
  const token = h("textarea", { id: "token", name: "token", rows: 3, spellcheck: "false", required: true });
  const message = h("p", { id: "sign-in-error", class: "section-error", role: "alert" }, error ?? "");
  message.hidden = !error;
  const fail = (text) => {
    message.textContent = text;
    message.hidden = false;
  };
  const clientForm = h(
    "form",
    {
      id: "client-form",
      "aria-labelledby": "client-heading",
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          await session.signInWithClient(clientId.value.trim(), secret.value);
        } catch (problem) {
          fail(t("signInFailed", { message: `${problem.code} ${problem.message}` }));
        }
      },
    },
    h("h3", { id: "client-heading" }, t("withClient")),
    h("label", { for: "client-id" }, t("clientId")),
    clientId,
    h("label", { for: "client-secret" }, t("clientSecret")),
    secret,
    h("button", { type: "submit", id: "sign-in-client" }, t("signIn")),
  );
  const tokenForm = h(
    "form",
    {
      id: "token-form",
      "aria-labelledby": "token-heading",
      onsubmit: (event) => {
        event.preventDefault();
        try {
          session.signInWithToken(token.value);
        } catch (problem) {
          fail(problem.code === "BAD_TOKEN" ? t("badToken") : t("signInFailed", { message: problem.message }));
        }
      },
    },
    h("h3", { id: "token-heading" }, t("pasteToken")),
    h("label", { for: "token" }, t("token")),
    token,
    h("button", { type: "submit", id: "sign-in-token" }, t("withToken")),
  );
  main.replaceChildren(
    h(
      "section",
      { class: "panel", "aria-labelledby": "sign-in-heading" },
      h("h1", { id: "sign-in-heading", tabindex: "-1" }, t("signInHeading")),
      h("p", {}, t("signInIntro")),
      pendingCode ? h("p", { class: "muted" }, t("openAfterSignIn", { code: pendingCode })) : null,
      message,
      h("div", { class: "forms" }, clientForm, tokenForm),
    ),
  );
}

function searchView() {
  const input = h("input", {
    id: "credit-code",
    name: "credit_code",
    autocomplete: "off",
    spellcheck: "false",
    maxlength: 24,
    "aria-describedby": "credit-code-hint credit-code-check",
    "aria-invalid": "false",
  });
  const check = h("p", { id: "credit-code-check", class: "muted", "aria-live": "polite" });
  const submit = h("button", { type: "submit", id: "open-firm", disabled: true }, t("open"));
  const validate = () => {
    const text = input.value.trim();
    const result = checkCreditCode(text);
    submit.disabled = !result.ok;
    input.setAttribute("aria-invalid", String(text !== "" && !result.ok));
    check.dataset.result = text === "" ? "" : result.ok ? "ok" : result.reason;
    check.className = result.ok ? "ok" : text === "" ? "muted" : "warning";
    if (text === "") check.textContent = "";
    else if (result.ok) check.textContent = t("codeOk");
    else if (result.reason === "length") check.textContent = t("codeLength", { length: result.length });
    else if (result.reason === "characters") check.textContent = t("codeCharacters", { characters: result.characters });
    else if (result.reason === "division") check.textContent = t("codeDivision");
    else check.textContent = t("codeCheck", { expected: result.expected });
    return result;
  };
  input.addEventListener("input", validate);
  const form = h(
    "form",
    {
      id: "search",
      role: "search",
      onsubmit: (event) => {
        event.preventDefault();
        const result = validate();
        if (result.ok) openFirm(result.code);
      },
    },
    h("label", { for: "credit-code" }, t("creditCode")),
    h("p", { id: "credit-code-hint", class: "muted" }, t("creditCodeHint")),
    h("div", { class: "controls" }, input, submit),
    check,
  );
  const items = recent();
  main.replaceChildren(
    h(
      "section",
      { class: "panel", "aria-labelledby": "find-heading" },
      h("h1", { id: "find-heading", tabindex: "-1" }, t("findHeading")),
      form,
      h("h2", {}, t("recent")),
      items.length
        ? h(
            "ul",
            { id: "recent", class: "recent" },
            items.map((item) =>
              h("li", {}, h("button", { type: "button", class: "link", "data-code": item.code, onclick: () => openFirm(item.code) }, item.name, h("small", {}, ` ${item.code}`))),
            ),
          )
        : h("p", { class: "muted", id: "recent" }, t("noRecent")),
    ),
  );
  input.focus();
}

function route() {
  const parameters = hashParameters();
  const token = parameters.get("token");
  const code = parameters.get("code");
  if (token) {
    // The token leaves the address bar at once (history, screenshots, a link shared on).
    history.replaceState(null, "", code ? `#code=${encodeURIComponent(code)}` : window.location.pathname);
    try {
      session.signInWithToken(token); // calls route() again through onChange
      return;
    } catch (problem) {
      notice = problem.code === "BAD_TOKEN" ? t("badToken") : t("expired");
    }
  }
  drawStatus();
  disposeCharts();
  if (!session.signedIn) {
    page = null;
    signInView(code, notice);
    return;
  }
  if (!code) {
    page = null;
    searchView();
    return;
  }
  const checked = checkCreditCode(code);
  page = new FirmPage(main, session, checked.code, { openFirm, remember });
  page.load();
  main.querySelector("#firm-name")?.focus();
}

languageButton.addEventListener("click", () => {
  setLanguage(currentLanguage() === "zh" ? "en" : "zh");
  drawStatus();
  if (page && page.current) page.render();
  else route();
});
signOutButton.addEventListener("click", () => {
  session.signOut();
});
window.addEventListener("hashchange", route);
setLanguage(currentLanguage());
route();
