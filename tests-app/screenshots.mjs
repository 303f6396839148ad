// Takes the README's screenshots from the real app: main window, accounts, a notification, the
// tray menu, the reading pane, the setup wizard, and the sign-in in the browser (OAuth2). Run through
// scripts/screenshots.sh (Xvfb, keyring session, a private Dovecot, an autoconfig server on
// loopback, and for the sign-in the test OAuth2 server).
// The app group also shows the same window again in the dark theme and in German.
//   node tests-app/screenshots.mjs OUT_DIR [app] [wizard] [oauth]   (default: all of them)

import { spawn, spawnSync } from "node:child_process";
import path from "node:path";

import { writeFileSync } from "node:fs";

import { App, AutoconfigServer, browserSignIn, cli, eventually, sleep, tempDir, TestServer } from "./e2e/harness.mjs";

const out = path.resolve(process.argv[2] ?? "docs");
const groups = process.argv.slice(3);
const want = (group) => groups.length === 0 || groups.includes(group);

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

function windowShot(name) {
  const id = sh("xdotool", ["search", "--onlyvisible", "--name", "^Mailbell"]).split("\n")[0];
  sh("import", ["-window", id, path.join(out, `${name}.png`)]);
}

/** The window, once the pointer is out of the way and what just changed is painted. */
async function stillShot(name) {
  sh("xdotool", ["mousemove", "0", "0"]);
  await sleep(800);
  windowShot(name);
}

function cropShot(name, geometry) {
  const tmp = path.join(out, `.${name}.full.png`);
  sh("import", ["-window", "root", tmp]);
  sh("convert", [tmp, "-crop", geometry, "+repage", path.join(out, `${name}.png`)]);
  sh("rm", [tmp]);
}

const server = await TestServer.start();
const data = tempDir("mailbell-shots-");
spawnSync("xsetroot", ["-solid", "#434c5e"]);
const tray = spawn("trayer", ["--edge", "bottom", "--align", "right", "--widthtype", "request", "--height", "28", "--transparent", "false", "--tint", "0x2b2f36", "--SetDockType", "true", "--SetPartialStrut", "true"], { stdio: "ignore" });
let app;
try {
  if (want("app")) await appShots();
  if (want("wizard")) await wizardShots(server);
  if (want("oauth")) await oauthShots();
  console.log(`screenshots in ${out}`);
} finally {
  await app?.stop();
  tray.kill();
  await server.stop();
  data.remove();
}

/** The main window's views, a notification and the tray menu, with two accounts (one of them
 * with a wrong password). */
async function appShots() {
  await server.create("Work");
  await server.create("Lists/rust");
  const { host, tls_port, ca_file, user, password } = server.info;
  const common = ["--host", host, "--port", String(tls_port), "--security", "tls", "--username", user, "--password-stdin", "--ca-file", ca_file];
  cli(data.path, ["account", "add", "--email", "alice@example.org", ...common], password);
  cli(data.path, ["account", "add", "--email", "team@example.org", ...common], "an-old-password");

  app = await App.start({ dataDir: data.path });
  const b = app.browser;
  await b.setWindowSize(920, 640).catch(() => {});
  await eventually("the first pass", async () => (await b.$('[data-test="empty-state"]')).isExisting(), { timeout: 20_000 });
  await sleep(1500);

  const mail = [
    ["INBOX", "Tom Becker <tom@example.org>", "Lunch on Friday?", "Are you free on Friday? The new Thai place next to the office finally opened, and they have a lunch menu."],
    ["Lists/rust", "This Week in Rust <twir@example.org>", "This Week in Rust 601", "Hello and welcome to another issue of This Week in Rust! Updates from the Rust project, crate of the week, and calls for participation."],
    ["Work", "Maria Lopez <maria@example.org>", "Quarterly report: final numbers", "Hi Alice, the final numbers are in. Revenue is up 12% on last quarter; the details are in the shared sheet. Can you review before Thursday?"],
    ["INBOX", "GitHub <notifications@github.com>", "[mailbell] Tray icon missing on KDE Plasma (#42)", "sam opened an issue: the tray icon does not show up after login on Plasma 6 until Mailbell is restarted."],
  ];
  for (const [folder, from, subject, body] of mail) {
    // The report is filed in Work and kept in INBOX too: one message, one row, both folders.
    const message_id = subject.startsWith("Quarterly") ? "<q3-final@example.org>" : undefined;
    await server.command({ cmd: "append", folder, from, subject, body, ...(message_id ? { message_id } : {}) });
    if (message_id) await server.command({ cmd: "append", folder: "INBOX", from, subject, body, message_id });
  }
  // Every folder is pushed (NOTIFY): no click needed.
  await eventually("four messages", async () => (await b.$$('[data-test="message"]')).length === 4, { timeout: 20_000 });
  // The oldest one has been looked at already (opened, and back to the list).
  const rows = await b.$$('[data-test="message"]');
  await rows[rows.length - 1].click();
  await (await b.$('[data-test="reader-back"]')).click();
  await sleep(800);
  windowShot("app-messages");
  cropShot("notifications", "340x270+935+40");

  await (await b.$('[data-test="tab-accounts"]')).click();
  await eventually("the failing account's error", async () => (await b.$('[data-test="account-error"]')).isExisting(), { timeout: 20_000 });
  await sleep(500);
  windowShot("app-accounts");
  await (await b.$('[data-test="tab-settings"]')).click();
  await sleep(500);
  windowShot("app-settings");
  await (await b.$('[data-test="tab-about"]')).click();
  await sleep(500);
  windowShot("app-about");

  // The reading pane with an HTML mail, its remote image still blocked.
  await server.appendRaw("INBOX", newsletter());
  await (await b.$('[data-test="tab-messages"]')).click();
  await eventually("the newsletter", () => b.execute(() => [...document.querySelectorAll('[data-test="message"] .subject')].some((e) => e.textContent === "Your December trail guide")), { timeout: 20_000 });
  await b.execute(() => [...document.querySelectorAll('[data-test="message"]')].find((e) => e.querySelector(".subject")?.textContent === "Your December trail guide").click());
  await eventually("the mail in its frame", () => b.execute(() => !!document.querySelector('[data-test="reader-frame"]')?.contentDocument?.querySelector("h1")), { timeout: 20_000 });
  await stillShot("app-reader");

  // The tray: trayer shows the icon (XEmbed); a click opens the menu.
  const panel = sh("xdotool", ["search", "--name", "^panel$"]).split("\n")[0];
  const geo = Object.fromEntries(sh("xdotool", ["getwindowgeometry", "--shell", panel]).split("\n").map((l) => l.split("=")));
  const [x, y, w, h] = [geo.X, geo.Y, geo.WIDTH, geo.HEIGHT].map(Number);
  sh("xdotool", ["mousemove", String(x + Math.floor(w / 2)), String(y + Math.floor(h / 2)), "click", "1"]);
  await sleep(1500);
  cropShot("tray-menu", `260x190+${x + w - 260}+${y + h - 190}`);
  sh("xdotool", ["key", "Escape"]);
  await app.stop();
  app = null;

  // The same mail in the dark theme (GTK's dark variant, which WebKitGTK answers
  // prefers-color-scheme with) and on a German desktop.
  await variantShots({ GTK_THEME: "Adwaita:dark" }, "dark");
  await variantShots({ LANG: "de_DE.UTF-8", LANGUAGE: "de" }, "de");
}

/** New mail and Accounts again, started with `env`; the shots' names end in `-suffix`. */
async function variantShots(env, suffix) {
  app = await App.start({ dataDir: data.path, env });
  const b = app.browser;
  await b.setWindowSize(920, 640).catch(() => {});
  await eventually("the mail listed", async () => (await b.$$('[data-test="message"]')).length >= 4, { timeout: 20_000 });
  await stillShot(`app-messages-${suffix}`);
  await (await b.$('[data-test="tab-accounts"]')).click();
  await eventually("the failing account's error", async () => (await b.$('[data-test="account-error"]')).isExisting(), { timeout: 20_000 });
  await stillShot(`app-accounts-${suffix}`);
  await app.stop();
  app = null;
}

/** An HTML newsletter as the reading pane shows it (a remote image, blocked until allowed). */
function newsletter() {
  const html = `<div style="max-width: 560px; font-family: Georgia, serif; color: #1f2933">
<h1 style="font-size: 22px; color: #2f6f4e; margin: 0 0 6px">Trails &amp; Tea</h1>
<p style="color: #7b8794; margin: 0 0 16px">The monthly letter of the Riverside Walking Club</p>
<img src="https://images.example.org/december-banner.jpg" alt="A frosty ridge at sunrise" width="560" height="180">
<h2 style="font-size: 17px; margin: 18px 0 6px">Saturday: the frost walk</h2>
<p style="line-height: 1.5">We meet at 9:00 at the old mill car park for an easy 12 km loop along the ridge, back in time for soup at the Anchor. Bring warm gloves and a flask.</p>
<table style="border-collapse: collapse; margin: 10px 0"><tr><td style="padding: 4px 12px 4px 0; color: #7b8794">Distance</td><td>12 km</td></tr><tr><td style="padding: 4px 12px 4px 0; color: #7b8794">Climb</td><td>310 m</td></tr><tr><td style="padding: 4px 12px 4px 0; color: #7b8794">Leader</td><td>Hannah</td></tr></table>
<p><a href="https://walking.example.org/december">See the route and sign up</a></p>
</div>`;
  return [
    "From: Riverside Walking Club <letters@walking.example.org>",
    "To: alice@example.org",
    "Subject: Your December trail guide",
    "Date: Sat, 05 Dec 2026 08:30:00 +0000",
    "Message-ID: <december-2026@walking.example.org>",
    "MIME-Version: 1.0",
    'Content-Type: multipart/alternative; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Trails & Tea: Saturday, the frost walk. We meet at 9:00 at the old mill car park.",
    "--b1",
    "Content-Type: text/html; charset=utf-8",
    "",
    html,
    "--b1--",
    "",
  ].join("\r\n");
}

/** The setup wizard of a first run: the settings autoconfig found, the untrusted certificate,
 * and the folders to choose. */
async function wizardShots(server) {
  const autoconfig = await AutoconfigServer.start({ host: server.info.host, port: server.info.tls_port });
  const dir = tempDir("mailbell-shots-wizard-");
  const wizard = await App.start({ dataDir: dir.path, env: autoconfig.env });
  const b = wizard.browser;
  const type = async (sel, v) => (await b.$(sel)).setValue(v);
  const step = (s) => eventually(`the ${s} step`, async () => (await b.execute(() => document.querySelector('[data-test="wizard"]')?.dataset.step)) === s, { timeout: 30_000 });
  try {
    await b.setWindowSize(920, 640).catch(() => {});
    await type('[data-test="wizard-email"]', `${server.info.user}@example.org`);
    await type('[data-test="wizard-name"]', "Alice");
    await (await b.$('[data-test="wizard-continue"]')).click();
    await step("server");
    await type('[data-test="wizard-password"]', server.info.password);
    await sleep(800);
    windowShot("wizard-settings");
    await (await b.$('[data-test="wizard-test"]')).click();
    await eventually("the certificate", async () => (await b.$('[data-test="certificate"]')).isExisting(), { timeout: 30_000 });
    await b.execute(() => document.querySelector('[data-test="wizard-ca-file"]').closest(".field").scrollIntoView({ block: "start" }));
    await stillShot("wizard-certificate");
    await type('[data-test="wizard-ca-file"]', server.info.ca_file);
    await (await b.$('[data-test="wizard-test"]')).click();
    await step("folders");
    await stillShot("wizard-folders");
  } finally {
    await wizard.stop();
    await autoconfig.stop();
    dir.remove();
  }
}

/** The sign-in in the browser of a first run: the wizard waiting for the browser, and the editor
 * of the account it added. The "browser" is this script, as in tests-app/e2e/oauth.test.mjs. */
async function oauthShots() {
  const server = await TestServer.start({ oauth: true });
  const autoconfig = await AutoconfigServer.start({ host: server.info.host, port: server.info.tls_port });
  const dir = tempDir("mailbell-shots-oauth-");
  const { authorize_url, token_url, revoke_url, client_id } = server.info.oauth;
  const provider = { name: "Example ID", domains: ["example.org"], hosts: [], provider: "custom", authorize_url, token_url, revoke_url, scopes: ["mail"], client_id, client_secret: null };
  writeFileSync(path.join(dir.path, "oauth-providers.json"), JSON.stringify([provider]));
  const wizard = await App.start({ dataDir: dir.path, env: { ...autoconfig.env, MAILBELL_NO_BROWSER: "1" } });
  const b = wizard.browser;
  const click = async (sel) => (await b.$(sel)).click();
  const step = (s) => eventually(`the ${s} step`, async () => (await b.execute(() => document.querySelector('[data-test="wizard"]')?.dataset.step)) === s, { timeout: 30_000 });
  try {
    await b.setWindowSize(920, 640).catch(() => {});
    await (await b.$('[data-test="wizard-email"]')).setValue(`${server.info.user}@example.org`);
    await click('[data-test="wizard-continue"]');
    await step("server");
    await click('[data-test="wizard-oauth-sign-in"]');
    const url = await eventually("the sign-in link", () => b.execute(() => document.querySelector('[data-test="wizard-signin-url"]')?.dataset.url));
    await stillShot("wizard-oauth");
    await browserSignIn(url);
    // The private CA, asked for after the sign-in; the same sign-in is tested again with it.
    await eventually("the certificate", async () => (await b.$('[data-test="certificate"]')).isExisting(), { timeout: 30_000 });
    await (await b.$('[data-test="wizard-ca-file"]')).setValue(server.info.ca_file);
    await click('[data-test="wizard-test"]');
    await step("folders");
    await click('[data-test="wizard-folders-next"]');
    await step("finish");
    await click('[data-test="wizard-add"]');
    await eventually("the account", async () => (await b.$('[data-test="edit-account"]')).isExisting(), { timeout: 20_000 });
    await click('[data-test="edit-account"]');
    await eventually("the editor's sign-in", async () => /Signed in with Example ID/.test(await (await b.$('[data-test="editor-oauth"]')).getText()), { timeout: 20_000 });
    await stillShot("editor-oauth");
  } finally {
    await wizard.stop();
    await autoconfig.stop();
    await server.stop();
    dir.remove();
  }
}
