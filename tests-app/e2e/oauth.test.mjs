// End-to-end tests of the OAuth2 sign-in in the real app, through WebDriver, with real components
// only: the harness's OAuth2 authorization server and a Dovecot that validates its tokens
// (mailbell-testserver --oauth), discovery through a real autoconfig server, the real Secret
// Service (checked with secret-tool) and the real CLI reading the same data dir. The test plays
// the browser: it reads the sign-in link from the window, GETs it (the authorization server
// answers with a redirect to the app's loopback listener) and GETs the redirect.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { App, AutoconfigServer, browserSignIn, cli, eventually, keyringPassword, requireEnvironment, tempDir, TestServer, windowHelpers } from "./harness.mjs";

const DOMAIN = "mailbell.test";
const PROVIDER = "Mailbell Test ID";

let server, autoconfig, data, app, browser;
let textOf, onElement, click, currentView, tab;
let email;

const type = (selector, value) => onElement(selector, (el) => el.setValue(value));
const focused = () => browser.execute(() => document.activeElement?.getAttribute("data-test") ?? null);
const wizardStep = () => browser.execute(() => document.querySelector('[data-test="wizard"]')?.getAttribute("data-step") ?? null);
const atStep = (step) => eventually(`the wizard's ${step} step`, async () => (await wizardStep()) === step, { timeout: 30_000 });
/** Whether the element or one of its ancestors is hidden. */
const shown = (selector) => browser.execute((sel) => {
  let el = document.querySelector(sel);
  if (!el) return false;
  for (; el; el = el.parentElement) if (el.hidden) return false;
  return true;
}, selector);
const testSteps = () =>
  browser.execute(() => Object.fromEntries([...document.querySelectorAll('[data-test="wizard-test-steps"] [data-test="test-step"]')].map((li) => [li.dataset.step, li.dataset.status])));
const accountState = () => textOf('[data-test="account"] [data-test="account-state"]');
const accounts = () => JSON.parse(cli(data.path, ["account", "list", "--json"]));
const tokens = () => server.command({ cmd: "oauth_tokens" });
const counters = () => server.command({ cmd: "oauth_counters" });

/** The sign-in link the window shows in the waiting panel `panel`, once it is there. */
const signInUrl = (panel) =>
  eventually(`the sign-in link in ${panel}`, () => browser.execute((sel) => document.querySelector(`[data-test="${sel}-url"]`)?.dataset.url ?? null, panel));

/** The browser's part, checked: a redirect to the app's loopback listener, whose page says
 * Mailbell is signed in. */
async function playBrowser(url) {
  const { redirect, landing } = await browserSignIn(url);
  assert.match(redirect, /^http:\/\/127\.0\.0\.1:\d+\/\?code=[^&]+&state=/, "redirected to the app's loopback listener");
  assert.equal(landing.status, 200);
  assert.match(landing.body, /Mailbell is signed in/);
}

/** No token in any file of the data dir (database, WAL, log) nor in the app's output. */
function assertNoTokenLeaks(secrets) {
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(data.path);
  assert.ok(files.includes(path.join(data.path, "mailbell.log")), `the app's log is among the files checked: ${files.join(", ")}`);
  assert.ok(secrets.length >= 2, "a refresh and an access token to look for");
  for (const s of secrets) {
    for (const f of files) assert.ok(!readFileSync(f).includes(s), `a token is in ${f}`);
    assert.ok(!app.driverLog.includes(s), "a token is in the app's output");
  }
}

describe("OAuth2 sign-in in the app", () => {
  before(async () => {
    requireEnvironment();
    server = await TestServer.start({ oauth: true });
    await server.create("Work");
    autoconfig = await AutoconfigServer.start({ host: server.info.host, port: server.info.tls_port });
    email = `${server.info.user}@${DOMAIN}`;
    data = tempDir("mailbell-oauth-e2e-");
    const { authorize_url, token_url, revoke_url, client_id } = server.info.oauth;
    // The administrator's list of identity servers, for the test domain.
    const providers = [{ name: PROVIDER, domains: [DOMAIN], hosts: [], provider: "custom", authorize_url, token_url, revoke_url, scopes: ["mail"], client_id, client_secret: null }];
    writeFileSync(path.join(data.path, "oauth-providers.json"), JSON.stringify(providers));
    app = await App.start({ dataDir: data.path, env: { ...autoconfig.env, MAILBELL_NO_BROWSER: "1" } });
    browser = app.browser;
    ({ textOf, onElement, click, currentView, tab } = windowHelpers(browser));
  });

  after(async () => {
    await app?.stop();
    await autoconfig?.stop();
    await server?.stop();
    data?.remove();
  });

  it("signs a new user in with the provider in the browser, tests, and adds the account; the refresh token is in the keyring only", async () => {
    const { ca_file, user, oauth } = server.info;
    await eventually("the wizard at start", async () => (await currentView()) === "wizard" && (await focused()) === "wizard-email");
    await type('[data-test="wizard-email"]', email);
    await click('[data-test="wizard-continue"]');

    // The provider's sign-in instead of a password.
    await atStep("server");
    assert.equal(await textOf('[data-test="wizard-oauth-sign-in"]'), `Sign in with ${PROVIDER}`);
    assert.equal(await focused(), "wizard-oauth-sign-in");
    assert.equal(await shown('[data-test="wizard-password"]'), false, "no password field");
    assert.equal(await shown('[data-test="wizard-use-password"]'), true, "a password stays possible");
    // Dovecot's certificate comes from a private CA: given before signing in.
    await click('[data-test="wizard-edit-server"]');
    await type('[data-test="wizard-ca-file"]', ca_file);

    await browser.execute(() => {
      window.__stepStates = [];
      new MutationObserver((records) => {
        for (const r of records) window.__stepStates.push(`${r.target.dataset.step}:${r.target.dataset.status}`);
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["data-status"] });
    });
    await click('[data-test="wizard-oauth-sign-in"]');
    const url = await signInUrl("wizard-signin");
    assert.ok(await shown('[data-test="wizard-signin"]'));
    assert.match((await textOf('[data-test="wizard-signin"]')) ?? "", /Waiting for you to sign in in your browser…/);
    const asked = new URL(url);
    assert.equal(`${asked.origin}${asked.pathname}`, oauth.authorize_url);
    assert.equal(asked.searchParams.get("client_id"), oauth.client_id);
    assert.equal(asked.searchParams.get("login_hint"), user, "the user name the server sees");
    assert.equal(asked.searchParams.get("code_challenge_method"), "S256");
    assert.match(asked.searchParams.get("redirect_uri") ?? "", /^http:\/\/127\.0\.0\.1:\d+\/$/);

    await playBrowser(url);
    await eventually("the test to pass", async () => Object.values(await testSteps()).every((s) => s === "ok"), { timeout: 30_000 });
    const seen = await browser.execute(() => window.__stepStates);
    assert.ok(seen.includes("authenticate:running"), `the steps were shown as they ran (seen: ${seen.join(", ")})`);
    assert.equal(await textOf('[data-test="wizard-oauth-done"]'), `✓ Signed in with ${PROVIDER}.`);
    assert.match((await textOf('[data-test="wizard-test-ok"]')) ?? "", new RegExp(`^Connected: signed in as ${user}`));

    await atStep("folders");
    await click('[data-test="wizard-folders-next"]');
    await atStep("finish");
    assert.match((await textOf('[data-test="wizard-summary"]')) ?? "", new RegExp(`With ${PROVIDER}, in the browser`));
    await click('[data-test="wizard-add"]');

    await eventually("the Accounts view", async () => (await currentView()) === "accounts");
    await eventually("the account to be connected", async () => (await accountState()) === "Connected", { timeout: 30_000 });
    const [account] = accounts();
    assert.equal(account.email, email);
    assert.equal(account.username, user);
    assert.deepEqual(account.folders, ["INBOX", "Work"]);
    assert.equal(account.oauth?.token_url, oauth.token_url);
    const live = await tokens();
    assert.equal(live.refresh.length, 1, "one grant");
    assert.equal(keyringPassword(account.id), live.refresh[0], "the keyring holds the server's refresh token");
    assertNoTokenLeaks([...live.refresh, ...live.access]);
  });

  it("asks to sign in again once the provider revoked the sign-in, and signing in again brings the account back", async () => {
    const [account] = accounts();
    const before = await tokens();
    // The user removes Mailbell's access at the provider, whose mail server ends the sessions.
    await server.command({ cmd: "oauth_revoke_all" });
    await server.command({ cmd: "restart" });
    await eventually("Check now to be clickable", async () => !(await browser.execute(() => document.querySelector('[data-test="sync-account"]')?.disabled ?? true)));
    await click('[data-test="sync-account"]');
    await eventually("the sign-in-again state", async () => (await accountState()) === "Sign-in failed" && (await shown('[data-test="sign-in-again"]')), { timeout: 30_000 });
    assert.match((await textOf('[data-test="account-error"]')) ?? "", /sign in again$/);
    assert.equal(await shown('[data-test="fix-password"]'), false, "no password to enter");

    await click('[data-test="sign-in-again"]');
    await eventually("the editor", async () => (await currentView()) === "edit");
    const url = await signInUrl("editor-signin");
    assert.equal(new URL(url).searchParams.get("login_hint"), server.info.user);
    await playBrowser(url);
    await eventually("signed in again", async () => shown('[data-test="editor-signed-in"]'), { timeout: 30_000 });
    await eventually("the account error gone", async () => !(await browser.execute(() => !!document.querySelector('[data-test="editor-account-error"]'))), { timeout: 30_000 });
    assert.equal(await textOf('[data-test="editor-oauth"]'), `Signed in with ${PROVIDER} as ${server.info.user}.`);

    await tab("accounts");
    await eventually("the account to be connected again", async () => (await accountState()) === "Connected", { timeout: 30_000 });
    const live = await tokens();
    assert.equal(live.refresh.length, 1, "the new grant only");
    assert.notEqual(live.refresh[0], before.refresh[0]);
    assert.equal(keyringPassword(account.id), live.refresh[0], "the keyring holds the new refresh token");
    assertNoTokenLeaks([...live.refresh, ...live.access]);
  });

  it("revokes the sign-in at the provider and deletes the token when the account is removed", async () => {
    const [account] = accounts();
    const { revocations } = await counters();
    await click('[data-test="account"] [data-test="edit-account"]');
    await eventually("the editor", async () => (await currentView()) === "edit");
    await click('[data-test="editor-remove"]');
    assert.match((await textOf('[data-test="editor-confirm"]')) ?? "", new RegExp(`Its sign-in is revoked at ${PROVIDER} and deleted from your keyring`));
    await click('[data-test="editor-confirm-remove"]');
    await eventually("back in Accounts, without the account", async () => (await currentView()) === "accounts" && (await browser.execute(() => document.querySelectorAll('[data-test="account"]').length)) === 0);
    assert.equal((await counters()).revocations, revocations + 1, "one revocation");
    assert.deepEqual((await tokens()).refresh, [], "no refresh token works any more");
    assert.equal(keyringPassword(account.id), null, "the keyring entry is gone");
    assert.deepEqual(accounts(), []);
  });
});
