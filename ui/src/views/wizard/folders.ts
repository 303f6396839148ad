// The wizard's folders step: which of the folders the test found to watch (the usual ones chosen).

import { button, h, replace } from "../../dom";
import { t } from "../../i18n";
import type { FolderInfo } from "../../bindings/FolderInfo";
import { specialUseText } from "../../format";
import { defaultFolders, folderCounts, offeredFolders } from "../../setup";
import { actions, panel, type Slot, type WizardCore } from "./shared";

export class FoldersStep {
  readonly panel: HTMLElement;
  /** The choice as a field: its error, and focus on its first folder. */
  readonly slot: Slot & { el: HTMLElement };
  private readonly list = h("div", { class: "folder-choices", data: { test: "wizard-folders" }, attrs: { role: "group", "aria-label": t("wizard-folders-label") } });
  private folders: FolderInfo[] = [];

  constructor(private readonly w: WizardCore) {
    const error = h("div", { class: "field-error", data: { test: "wizard-folders-error" }, attrs: { role: "alert", id: "wizard-folders-error" } });
    error.hidden = true;
    this.slot = {
      el: error,
      showError: (...c) => {
        replace(error, ...c);
        error.hidden = false;
        this.list.setAttribute("aria-describedby", error.id);
      },
      clearError: () => {
        error.hidden = true;
        this.list.removeAttribute("aria-describedby");
      },
      focus: () => this.list.querySelector("input")?.focus(),
    };
    this.list.addEventListener("change", () => this.slot.clearError());
    this.panel = panel(
      "folders",
      h("h2", null, t("wizard-folders-title")),
      h("p", { class: "hint" }, t("wizard-folders-hint")),
      this.list,
      this.slot.el,
      actions(w, "server", button(t("wizard-continue"), () => w.submit(), { class: "primary", data: { test: "wizard-folders-next" } })),
    );
  }

  /** The folders a passed test found; the choice stays when they are the same as before. */
  set(folders: FolderInfo[]): void {
    const same = folders.length === this.folders.length && folders.every((f, i) => f.name === this.folders[i]!.name);
    if (same && this.list.childElementCount) return;
    this.folders = folders;
    const chosen = defaultFolders(folders);
    replace(this.list, ...offeredFolders(folders).map((f) => folderChoice(f, chosen.has(f.name))));
  }

  chosen(): string[] {
    return [...this.list.querySelectorAll<HTMLInputElement>("input[type=checkbox]")].filter((i) => i.checked).map((i) => i.value);
  }

  /** The step's main action: on to the last step once at least one folder is chosen. */
  choose(): void {
    this.slot.clearError();
    if (this.chosen().length === 0) {
      return this.w.place({ field: "folders", message: t("wizard-folders-none"), advice: null });
    }
    this.w.show("finish");
  }
}

function folderChoice(f: FolderInfo, checked: boolean): HTMLElement {
  const input = h("input", { attrs: { type: "checkbox", value: f.name } });
  input.checked = checked;
  const special = specialUseText(f.name, f.special_use);
  const counts = folderCounts(f);
  return h(
    "label",
    { class: "folder-choice", data: { test: "wizard-folder", folder: f.name } },
    input,
    h("span", { class: "folder-name" }, f.name),
    special ? h("span", { class: "tag", data: { test: "folder-special" } }, special) : null,
    h("span", { class: "spacer" }),
    counts ? h("span", { class: "folder-detail", data: { test: "folder-counts" } }, counts) : null,
  );
}
