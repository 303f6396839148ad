// About: version, where the data and the log are, the tray, and accounts from the command line.

import { h } from "../dom";
import { t } from "../i18n";
import { ADD_ACCOUNT_CMD, type Ctx } from "./common";
import { noTrayHint } from "./settings";

export function aboutView(ctx: Ctx): HTMLElement {
  const about = ctx.state.snapshot?.about;
  const rows: [string, string][] = about
    ? [
        [t("about-version"), about.version],
        [t("about-data-folder"), about.data_dir],
        [t("about-log-file"), about.log_file],
        [t("about-tray-icon"), about.tray ? t("about-tray-available") : t("about-tray-missing")],
      ]
    : [];
  return h(
    "section",
    { class: "view" },
    h(
      "div",
      { class: "about-head" },
      h("div", { class: "logo", attrs: { "aria-hidden": "true" } }),
      h("div", null, h("h1", null, "Mailbell"), h("p", { class: "facts", data: { test: "version" } }, about ? t("about-version-line", { version: about.version }) : "")),
    ),
    h("p", null, t("about-summary")),
    h("dl", { class: "facts-list" }, ...rows.flatMap(([k, v]) => [h("dt", null, k), h("dd", null, v)])),
    about && !about.tray ? noTrayHint() : null,
    h("h3", null, t("about-cli-title")),
    h("p", { class: "hint" }, t("about-cli-hint")),
    h("pre", { class: "command", data: { test: "add-account-command" } }, ADD_ACCOUNT_CMD),
    h("p", { class: "hint" }, t("about-cli-shared")),
  );
}
