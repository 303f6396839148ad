// Takes the README's screenshots from the real app: main window, accounts, a notification and
// the tray menu. Run through scripts/screenshots.sh (Xvfb, keyring session, a private Dovecot).
//   node tests-app/screenshots.mjs OUT_DIR

import { spawn, spawnSync } from "node:child_process";
import path from "node:path";

import { App, cli, eventually, sleep, tempDir, TestServer } from "./e2e/harness.mjs";

const out = path.resolve(process.argv[2] ?? "docs");

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

function windowShot(name) {
  const id = sh("xdotool", ["search", "--onlyvisible", "--name", "^Mailbell"]).split("\n")[0];
  sh("import", ["-window", id, path.join(out, `${name}.png`)]);
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
    await server.command({ cmd: "append", folder, from, subject, body });
  }
  // Work and Lists/rust are not pushed: ask for them like a user would.
  await (await b.$('[data-test="tab-accounts"]')).click();
  for (const f of ["Work", "Lists/rust"]) {
    await (await b.$(`[data-test="folder"][data-folder="${f}"] [data-test="sync-folder"]`)).click();
  }
  await (await b.$('[data-test="tab-messages"]')).click();
  await eventually("four messages", async () => (await b.$$('[data-test="message"]')).length === 4, { timeout: 20_000 });
  // The oldest one has been looked at already.
  const rows = await b.$$('[data-test="message"]');
  await rows[rows.length - 1].click();
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

  // The tray: trayer shows the icon (XEmbed); a click opens the menu.
  const panel = sh("xdotool", ["search", "--name", "^panel$"]).split("\n")[0];
  const geo = Object.fromEntries(sh("xdotool", ["getwindowgeometry", "--shell", panel]).split("\n").map((l) => l.split("=")));
  const [x, y, w, h] = [geo.X, geo.Y, geo.WIDTH, geo.HEIGHT].map(Number);
  sh("xdotool", ["mousemove", String(x + Math.floor(w / 2)), String(y + Math.floor(h / 2)), "click", "1"]);
  await sleep(1500);
  cropShot("tray-menu", `260x150+${x + w - 260}+${y + h - 150}`);
  sh("xdotool", ["key", "Escape"]);
  console.log(`screenshots in ${out}`);
} finally {
  await app?.stop();
  tray.kill();
  await server.stop();
  data.remove();
}
