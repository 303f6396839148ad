// About: version, where the data and the log are, and how to add accounts.

import { h } from "../dom";
import { ADD_ACCOUNT_CMD, type Ctx } from "./common";

export function aboutView(ctx: Ctx): HTMLElement {
  const about = ctx.state.snapshot?.about;
  const rows: [string, string][] = about
    ? [
        ["Version", about.version],
        ["Data folder", about.data_dir],
        ["Log file", about.log_file],
        ["Tray icon", about.tray ? "available" : "not available (install libayatana-appindicator3-1)"],
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
    h("h3", null, "Adding an account"),
    h("pre", { class: "command" }, ADD_ACCOUNT_CMD),
    h("p", { class: "hint" }, "The same data folder and keyring serve the command line (mailbell-cli) and this app."),
  );
}
