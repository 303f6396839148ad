// About: version, where the data and the log are, the tray, and accounts from the command line.

import { h } from "../dom";
import { ADD_ACCOUNT_CMD, type Ctx } from "./common";
import { noTrayHint } from "./settings";
import { shortcutsHelp } from "../keys";

export function aboutView(ctx: Ctx): HTMLElement {
  const about = ctx.state.snapshot?.about;
  const rows: [string, string][] = about
    ? [
        ["Version", about.version],
        ["Data folder", about.data_dir],
        ["Log file", about.log_file],
        ["Tray icon", about.tray ? "available" : "not shown on this desktop"],
      ]
    : [];
  return h(
    "section",
    { class: "view" },
    h(
      "div",
      { class: "about-head" },
      h("div", { class: "logo", attrs: { "aria-hidden": "true" } }),
      h("div", null, h("h1", null, "Mailbell"), h("p", { class: "facts", data: { test: "version" } }, about ? `Version ${about.version}` : "")),
    ),
    h("p", null, "A small IMAP new-mail notifier. It never marks anything read on the server, never shows a message twice, and costs nothing while the inbox is quiet."),
    h("dl", { class: "facts-list" }, ...rows.flatMap(([k, v]) => [h("dt", null, k), h("dd", null, v)])),
    about && !about.tray ? noTrayHint() : null,
    shortcutsHelp(),
    h("h3", null, "From the command line"),
    h("p", { class: "hint" }, "Accounts are added under Accounts → Add account, or from a terminal with mailbell-cli (the password goes to your keyring, never to disk):"),
    h("pre", { class: "command", data: { test: "add-account-command" } }, ADD_ACCOUNT_CMD),
    h("p", { class: "hint" }, "The same data folder and keyring serve the command line and this app: Mailbell picks a new account up within seconds."),
  );
}
