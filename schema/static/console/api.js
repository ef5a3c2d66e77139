// The hub's public API as the console uses it: an access token (client credentials through /oauth/token,
// renewed before it expires, or a pasted one) held in memory only, and GraphQL requests to /graphql.

const RENEW_AT = 0.8; // of the token's lifetime

export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

// The claims of a JWT (not verified: the hub verifies it; the console only reads its expiry and scopes).
export function tokenClaims(token) {
  const parts = String(token).trim().split(".");
  if (parts.length !== 3) return null;
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (char) => char.charCodeAt(0)));
    const claims = JSON.parse(json);
    return typeof claims === "object" && claims !== null && typeof claims.exp === "number" ? claims : null;
  } catch {
    return null;
  }
}

export class Session {
  // onChange(session, event) is called on sign-in, renewal ("renewed") and sign-out ("expired", "signedOut").
  constructor(onChange) {
    this.onChange = onChange;
    this.token = null;
    this.claims = null;
    this.credentials = null;
    this.timer = null;
  }

  get signedIn() {
    return this.token !== null;
  }

  get scopes() {
    return new Set(String(this.claims?.scope ?? "").split(" ").filter(Boolean));
  }

  get expiresAt() {
    return this.claims ? new Date(this.claims.exp * 1000) : null;
  }

  async signInWithClient(clientId, clientSecret) {
    const token = await this.#fetchToken(clientId, clientSecret);
    this.credentials = { clientId, clientSecret };
    this.#use(token, "signedIn");
  }

  signInWithToken(token) {
    const claims = tokenClaims(token);
    if (claims === null) throw new ApiError("BAD_TOKEN", "not a JWT");
    if (claims.exp * 1000 <= Date.now()) throw new ApiError("UNAUTHENTICATED", "the token has expired");
    this.credentials = null;
    this.#use(String(token).trim(), "signedIn");
  }

  signOut(event = "signedOut") {
    clearTimeout(this.timer);
    this.token = this.claims = this.credentials = null;
    this.onChange(this, event);
  }

  async renew() {
    if (this.credentials === null) return false;
    try {
      const token = await this.#fetchToken(this.credentials.clientId, this.credentials.clientSecret);
      this.#use(token, "renewed");
      return true;
    } catch {
      return false;
    }
  }

  // One GraphQL request: {data, errors} as the hub answered (errors always an array). A request the hub
  // refused as a whole (HTTP 4xx/5xx) raises ApiError with the error's code.
  async graphql(query, variables = {}) {
    let response = await this.#post(query, variables);
    if (response.status === 401 && (await this.renew())) {
      response = await this.#post(query, variables);
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      throw new ApiError("BAD_RESPONSE", `HTTP ${response.status}`);
    }
    const errors = Array.isArray(body?.errors) ? body.errors : [];
    if (response.status === 401) {
      this.signOut("expired");
    }
    if (!response.ok || !("data" in (body ?? {}))) {
      const first = errors[0];
      throw new ApiError(first?.extensions?.code ?? `HTTP_${response.status}`, first?.message ?? response.statusText);
    }
    return { data: body.data ?? null, errors };
  }

  #post(query, variables) {
    if (!this.token) throw new ApiError("UNAUTHENTICATED", "not signed in");
    // application/json: a request error comes back as 200 with errors, like a field's error.
    return fetch("/graphql", {
      method: "POST",
      headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ query, variables }),
      credentials: "omit",
    });
  }

  async #fetchToken(clientId, clientSecret) {
    const basic = btoa(unescape(encodeURIComponent(`${clientId}:${clientSecret}`)));
    const response = await fetch("/oauth/token", {
      method: "POST",
      headers: { Authorization: `Basic ${basic}`, "Content-Type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
      credentials: "omit",
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok || typeof body.access_token !== "string") {
      throw new ApiError(body.error ?? `HTTP_${response.status}`, body.error_description ?? response.statusText);
    }
    return body.access_token;
  }

  #use(token, event) {
    const claims = tokenClaims(token);
    if (claims === null) throw new ApiError("BAD_TOKEN", "not a JWT");
    clearTimeout(this.timer);
    this.token = token;
    this.claims = claims;
    const lifetimeMs = claims.exp * 1000 - Date.now();
    const issuedMs = typeof claims.iat === "number" ? claims.exp * 1000 - claims.iat * 1000 : lifetimeMs;
    if (this.credentials !== null) {
      const renewInMs = Math.max(1000, lifetimeMs - issuedMs * (1 - RENEW_AT));
      const attempt = async () => {
        if (await this.renew()) return;
        const leftMs = claims.exp * 1000 - Date.now();
        if (leftMs <= 0) this.signOut("expired");
        else this.timer = setTimeout(attempt, Math.min(15000, leftMs));
      };
      this.timer = setTimeout(attempt, renewInMs);
    } else {
      this.timer = setTimeout(() => this.signOut("expired"), Math.max(0, lifetimeMs));
    }
    this.onChange(this, event);
  }
}
