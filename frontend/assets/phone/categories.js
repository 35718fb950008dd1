/* The category tree, the user's most used categories, and the picker.
 *
 * The tree comes from /api/categories/ and is kept on the phone, so a report can be made without
 * signal. The categories a user picks are remembered per user with a decaying count ("frecency":
 * a use counts 1 today, ½ two weeks later), so what they report often and lately comes first.
 */
import * as store from "./db.js";
import { request } from "./api.js";
import { config, t } from "./text.js";
import { index, search } from "../common/categories.js";

const HALF_LIFE_MS = 14 * 24 * 3600 * 1000;
const RECENT_COUNT = 6;

export async function cachedTree() {
  return (await store.getValue("categories")) || null;
}

/** Fetch the tree and keep it; resolves to the tree, or rejects (the cached one stays). */
export async function refreshTree(token) {
  const { data } = await request(config.api.categories, { token });
  await store.setValue("categories", data);
  return data;
}

/** {code: {code, name, kind, path: [ancestor names], children}} for a tree. */
export { index };

const decayed = (entry, now) => entry.score * 0.5 ** ((now - entry.at) / HALF_LIFE_MS);

export async function remember(user, code) {
  const key = `frecency:${user}`;
  const all = (await store.getValue(key)) || {};
  const now = Date.now();
  const entry = all[code];
  all[code] = { score: (entry ? decayed(entry, now) : 0) + 1, at: now };
  await store.setValue(key, all);
}

export async function favourites(user, byCode) {
  const all = (await store.getValue(`frecency:${user}`)) || {};
  const now = Date.now();
  return Object.keys(all)
    .filter((code) => byCode.has(code))
    .sort((a, b) => decayed(all[b], now) - decayed(all[a], now))
    .slice(0, RECENT_COUNT)
    .map((code) => byCode.get(code));
}

/** The picker dialog: drill down the tree, or search it by name or code. */
export class CategoryPicker {
  constructor(onChoose) {
    this.onChoose = onChoose;
    this.dialog = document.getElementById("category-dialog");
    this.list = document.getElementById("category-options");
    this.search = document.getElementById("category-search");
    this.back = document.getElementById("category-back");
    this.where = document.getElementById("category-path");
    this.tree = [];
    this.byCode = new Map();
    this.stack = [];
    document.getElementById("category-close").addEventListener("click", () => this.close());
    this.back.addEventListener("click", () => {
      this.stack.pop();
      this.render();
    });
    this.search.addEventListener("input", () => this.render());
    this.dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      this.close();
    });
  }

  setTree(tree) {
    this.tree = tree || [];
    this.byCode = index(this.tree);
    // The tree may arrive while the picker is open (the first sign-in, a refresh): show it.
    if (this.dialog.open || this.dialog.hasAttribute("open")) this.render();
  }

  open() {
    this.stack = [];
    this.search.value = "";
    this.render();
    if (typeof this.dialog.showModal === "function") this.dialog.showModal();
    else this.dialog.setAttribute("open", "");
    this.search.focus();
  }

  close() {
    if (typeof this.dialog.close === "function") this.dialog.close();
    else this.dialog.removeAttribute("open");
  }

  choose(code) {
    this.close();
    this.onChoose(this.byCode.get(code));
  }

  option(node, label, drill) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = drill ? "option drill" : "option";
    button.dataset.code = node.code;
    const name = document.createElement("span");
    name.className = "option-name";
    name.textContent = label;
    button.append(name);
    if (node.path && node.path.length && !drill && this.search.value.trim()) {
      const path = document.createElement("span");
      path.className = "option-path";
      path.textContent = node.path.join(" › ");
      button.append(path);
    }
    if (drill) {
      const more = document.createElement("span");
      more.className = "option-more";
      more.setAttribute("aria-hidden", "true");
      more.textContent = "›";
      button.append(more);
    }
    button.addEventListener("click", () => {
      if (drill) {
        this.stack.push(node.code);
        this.render();
        this.list.querySelector("button") && this.list.querySelector("button").focus();
      } else {
        this.choose(node.code);
      }
    });
    item.append(button);
    return item;
  }

  render() {
    this.list.textContent = "";
    const query = this.search.value.trim().toLowerCase();
    let nodes;
    if (query) {
      this.back.hidden = true;
      this.where.textContent = "";
      const found = search(this.byCode, query);
      if (found.fallback) {
        const note = document.createElement("li");
        note.className = "empty";
        note.textContent = t("noMatchOther");
        this.list.append(note);
      }
      found.nodes.forEach((node) => this.list.append(this.option(node, node.name, false)));
    } else {
      const parent = this.stack.length ? this.byCode.get(this.stack[this.stack.length - 1]) : null;
      this.back.hidden = !parent;
      this.where.textContent = parent ? [...parent.path, parent.name].join(" › ") : "";
      nodes = parent ? parent.children : this.tree;
      if (parent) this.list.append(this.option(parent, t("allOf", { name: parent.name }), false));
      (nodes || []).forEach((node) => {
        const full = this.byCode.get(node.code) || node;
        this.list.append(this.option(full, node.name, Boolean(node.children && node.children.length)));
      });
    }
    if (!this.list.children.length) {
      const empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = this.tree.length ? t("noMatch") : t("noCategories");
      this.list.append(empty);
    }
  }
}
